using System.Text.Json;
using EdgeSplit.Inference.Partitioning;

namespace EdgeSplit.Inference.Decoder;

/// <summary><c>decoder.json</c> beside a decoder's <c>model.onnx</c>: layout, sizes and tokenizer.</summary>
public sealed record DecoderModelInfo
{
    /// <summary>File name of the ONNX graph in a decoder directory.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>File name of this description.</summary>
    public const string FileName = "decoder.json";

    /// <summary>Graph layout.</summary>
    public required DecoderLayout Layout { get; init; }

    /// <summary>Tokenizer name (<c>gpt2</c>: the GPT-2 byte-level BPE).</summary>
    public required string Tokenizer { get; init; }

    /// <summary>Seed of the written weights; null for an exported model.</summary>
    public int? Seed { get; init; }

    /// <summary>Sizes the model was written with.</summary>
    public DecoderDimensions? Dimensions { get; init; }

    /// <summary>Writes decoder.json into <paramref name="directory"/>.</summary>
    public void Save(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), ManifestJson.Write(this));

    /// <summary>Reads decoder.json from a directory, or null when there is none (an exporter's directory).</summary>
    public static DecoderModelInfo? TryLoad(string directory)
    {
        var path = Path.Combine(directory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), ManifestJsonContext.Default.DecoderModelInfo) : null;
    }
}
