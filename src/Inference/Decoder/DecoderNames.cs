using System.Globalization;

namespace EdgeSplit.Inference.Decoder;

/// <summary>The exporters' (Hugging Face optimum) decoder signature: one owner for these names.</summary>
public static class DecoderNames
{
    /// <summary>Token ids, int64 [batch, sequence].</summary>
    public const string InputIds = "input_ids";

    /// <summary>int64 [batch, past + sequence]: 1 for every key position a query may see, 0 for padding.</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>Absolute positions of the new tokens, int64 [batch, sequence].</summary>
    public const string PositionIds = "position_ids";

    /// <summary>Logits, float [batch, sequence, vocab].</summary>
    public const string Logits = "logits";

    /// <summary>Dim name of the new tokens.</summary>
    public const string SequenceDim = "sequence_length";

    /// <summary>Dim name of the cached positions.</summary>
    public const string PastDim = "past_sequence_length";

    /// <summary>Dim name of cached plus new positions.</summary>
    public const string TotalDim = "past_sequence_length + sequence_length";

    /// <summary>Dim name of the batch.</summary>
    public const string BatchDim = "batch_size";

    /// <summary>Cached keys of layer <paramref name="layer"/>, float [batch, kv_heads, past, head_dim].</summary>
    public static string PastKey(int layer) => string.Create(CultureInfo.InvariantCulture, $"past_key_values.{layer}.key");

    /// <summary>Cached values of layer <paramref name="layer"/>.</summary>
    public static string PastValue(int layer) => string.Create(CultureInfo.InvariantCulture, $"past_key_values.{layer}.value");

    /// <summary>Keys after this step, float [batch, kv_heads, past + sequence, head_dim].</summary>
    public static string PresentKey(int layer) => string.Create(CultureInfo.InvariantCulture, $"present.{layer}.key");

    /// <summary>Values after this step.</summary>
    public static string PresentValue(int layer) => string.Create(CultureInfo.InvariantCulture, $"present.{layer}.value");
}
