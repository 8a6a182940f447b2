using EdgeSplit.Inference.Partitioning;

namespace EdgeSplit.Inference.Decoder;

/// <summary>A partitioned decoder: identity, sizes and stages. Device and edge agree on <see cref="ModelHash"/> and <see cref="Scheme"/>.</summary>
public sealed record DecoderManifest
{
    /// <summary>Version of the decoder cutting rules.</summary>
    public const string CurrentScheme = "edgesplit-decoder-stages-v1";

    /// <summary>File name inside a partition directory.</summary>
    public const string FileName = PartitionManifest.FileName;

    /// <summary>SHA-256 of the source model.onnx (lower-case hex).</summary>
    public required string ModelHash { get; init; }

    /// <summary>Partition scheme version.</summary>
    public required string Scheme { get; init; }

    /// <summary>Transformer layers.</summary>
    public required int Layers { get; init; }

    /// <summary>Width of the hidden state that crosses a cut.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Key/value heads per layer.</summary>
    public required int KvHeads { get; init; }

    /// <summary>Width of one head.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Logit width.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Source tensors ending the embeddings and each layer (layers + 1 names).</summary>
    public required IReadOnlyList<string> Boundaries { get; init; }

    /// <summary>Stages in execution order: embeddings, one per layer, head.</summary>
    public required IReadOnlyList<DecoderStageInfo> Stages { get; init; }

    /// <summary>Bytes of KV cache one position takes in one layer (keys and values, float32).</summary>
    public long KvBytesPerPositionPerLayer => 2L * KvHeads * HeadDim * sizeof(float);

    /// <summary>Serializes as indented JSON.</summary>
    public string ToJson() => ManifestJson.Write(this);

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static DecoderManifest FromJson(string json) => ManifestJson.Read<DecoderManifest>(json);
}
