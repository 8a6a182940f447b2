using System.Globalization;

namespace EdgeSplit.Inference.Decoder;

/// <summary>Sizes of a decoder-only transformer.</summary>
/// <param name="Layers">Transformer blocks (1..128).</param>
/// <param name="Hidden">Hidden width; a multiple of <paramref name="Heads"/>.</param>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads; divides <paramref name="Heads"/> (grouped-query attention when smaller).</param>
/// <param name="Intermediate">MLP width.</param>
/// <param name="Vocab">Vocabulary rows (50257 for the GPT-2 tokenizer).</param>
/// <param name="MaxPositions">Learned position rows (GPT-2) or the longest sequence (Llama).</param>
public sealed record DecoderDimensions(int Layers, int Hidden, int Heads, int KvHeads, int Intermediate, int Vocab, int MaxPositions)
{
    /// <summary>Rows of the GPT-2 tokenizer's vocabulary.</summary>
    public const int Gpt2Vocab = 50257;

    /// <summary>Width of one attention head.</summary>
    public int HeadDim => Hidden / Heads;

    /// <summary>Tiny test sizes: 2 layers, hidden 64, 4 heads (Llama: 2 KV heads), GPT-2 vocabulary.</summary>
    public static DecoderDimensions Tiny(DecoderLayout layout) => layout == DecoderLayout.Gpt2
        ? new(2, 64, 4, 4, 256, Gpt2Vocab, 512)
        : new(2, 64, 4, 2, 172, Gpt2Vocab, 512);

    /// <summary>GPT-2 small (124M) or a SmolLM2-135M-sized Llama (with the GPT-2 vocabulary).</summary>
    public static DecoderDimensions Small(DecoderLayout layout) => layout == DecoderLayout.Gpt2
        ? new(12, 768, 12, 12, 3072, Gpt2Vocab, 1024)
        : new(30, 576, 9, 3, 1536, Gpt2Vocab, 2048);

    /// <summary>
    /// SmolLM2-135M's sizes, Llama layout only: 30 layers, hidden 576, 9 heads, 3 KV heads, MLP 1536, its own 49152-row
    /// vocabulary, 2048 positions. The GPT-2 tokenizer's ids from 49152 up have no row in this model.
    /// </summary>
    public static DecoderDimensions SmolLm2 { get; } = new(30, 576, 9, 3, 1536, 49152, 2048);

    /// <summary>
    /// Parses <c>tiny</c>, <c>small</c>, <c>smollm2</c> (Llama layout), or <c>layers=L,hidden=H,heads=A[,kv-heads=K][,ffn=F][,vocab=V][,positions=P]</c>
    /// (keys not given take the tiny values, <c>ffn</c> defaults to 4×hidden).
    /// </summary>
    public static DecoderDimensions Parse(string text, DecoderLayout layout)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "tiny")
        {
            return Tiny(layout);
        }

        if (text == "small")
        {
            return Small(layout);
        }

        if (text == "smollm2")
        {
            return layout == DecoderLayout.Llama
                ? SmolLm2
                : throw new ArgumentException("size 'smollm2' is a Llama-layout size (grouped-query attention, 3 KV heads for 9 heads); use the llama layout.");
        }

        var tiny = Tiny(layout);
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                throw new ArgumentException($"size '{text}': '{part}' is not key=positive-integer (keys: layers, hidden, heads, kv-heads, ffn, vocab, positions).");
            }

            if (pair[0] is not ("layers" or "hidden" or "heads" or "kv-heads" or "ffn" or "vocab" or "positions"))
            {
                throw new ArgumentException($"size '{text}': unknown key '{pair[0]}' (keys: layers, hidden, heads, kv-heads, ffn, vocab, positions).");
            }

            values[pair[0]] = value;
        }

        int Get(string key, int fallback) => values.TryGetValue(key, out var v) ? v : fallback;
        var hidden = Get("hidden", tiny.Hidden);
        var heads = Get("heads", tiny.Heads);
        var dims = new DecoderDimensions(
            Get("layers", tiny.Layers), hidden, heads, Get("kv-heads", layout == DecoderLayout.Gpt2 ? heads : tiny.KvHeads),
            Get("ffn", 4 * hidden), Get("vocab", tiny.Vocab), Get("positions", tiny.MaxPositions));
        dims.Validate(layout);
        return dims;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent size.</summary>
    public void Validate(DecoderLayout layout)
    {
        if (Layers is < 1 or > 128)
        {
            throw new ArgumentException($"layers must be in 1..128, got {Layers}.");
        }

        if (Hidden % Heads != 0 || HeadDim % 2 != 0)
        {
            throw new ArgumentException($"hidden {Hidden} must be a multiple of heads {Heads} with an even head width.");
        }

        if (Heads % KvHeads != 0)
        {
            throw new ArgumentException($"kv-heads {KvHeads} must divide heads {Heads}.");
        }

        if (layout == DecoderLayout.Gpt2 && KvHeads != Heads)
        {
            throw new ArgumentException("the GPT-2 layout has no grouped-query attention: kv-heads must equal heads.");
        }
    }
}
