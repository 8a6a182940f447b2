using System.Globalization;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>
/// Tensor and dimension names of the graphs EdgeSplit reads and writes, the same for every model: the inputs
/// and outputs of an exported encoder or decoder (Hugging Face optimum's signature), its key/value cache, and the
/// hidden state at the boundaries of the segments cut from them. The one owner of these names.
/// </summary>
public static class TensorNames
{
    /// <summary>Token ids, int64 [batch, sequence].</summary>
    public const string InputIds = "input_ids";

    /// <summary>
    /// Attention mask, int64: [batch, sequence] in an encoder, [batch, past + sequence] in a decoder; 1 for every
    /// key position a query may see, 0 for padding.
    /// </summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>Segment ids of an encoder, int64 [batch, sequence].</summary>
    public const string TokenTypeIds = "token_type_ids";

    /// <summary>Absolute positions of a decoder's new tokens, int64 [batch, sequence].</summary>
    public const string PositionIds = "position_ids";

    /// <summary>Hidden state entering a segment, float [batch, sequence, hidden].</summary>
    public const string HiddenIn = "hidden_in";

    /// <summary>Hidden state leaving a segment, float [batch, sequence, hidden].</summary>
    public const string HiddenOut = "hidden_out";

    /// <summary>Pooled, normalised sentence embedding of an encoder, float [batch, hidden].</summary>
    public const string Embedding = "embedding";

    /// <summary>Logits of a decoder, float [batch, sequence, vocab].</summary>
    public const string Logits = "logits";

    /// <summary>Dim name of the batch.</summary>
    public const string BatchDim = "batch_size";

    /// <summary>Dim name of a decoder's new tokens.</summary>
    public const string SequenceDim = "sequence_length";

    /// <summary>Dim name of a decoder's cached positions.</summary>
    public const string PastDim = "past_sequence_length";

    /// <summary>Dim name of a decoder's cached plus new positions.</summary>
    public const string TotalDim = "past_sequence_length + sequence_length";

    /// <summary>Cached keys of layer <paramref name="layer"/>, float [batch, kv_heads, past, head_dim].</summary>
    public static string PastKey(int layer) => string.Create(CultureInfo.InvariantCulture, $"past_key_values.{layer}.key");

    /// <summary>Cached values of layer <paramref name="layer"/>.</summary>
    public static string PastValue(int layer) => string.Create(CultureInfo.InvariantCulture, $"past_key_values.{layer}.value");

    /// <summary>Keys of layer <paramref name="layer"/> after this step, float [batch, kv_heads, past + sequence, head_dim].</summary>
    public static string PresentKey(int layer) => string.Create(CultureInfo.InvariantCulture, $"present.{layer}.key");

    /// <summary>Values of layer <paramref name="layer"/> after this step.</summary>
    public static string PresentValue(int layer) => string.Create(CultureInfo.InvariantCulture, $"present.{layer}.value");
}
