namespace EdgeSplit.Inference.Partitioning;

/// <summary>Canonical tensor names at segment boundaries, the same for every model.</summary>
public static class TensorNames
{
    /// <summary>Token ids, int64 [batch, sequence].</summary>
    public const string InputIds = "input_ids";

    /// <summary>Attention mask, int64 [batch, sequence]; 1 for real tokens, 0 for padding.</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>Segment ids, int64 [batch, sequence].</summary>
    public const string TokenTypeIds = "token_type_ids";

    /// <summary>Hidden state entering a segment, float [batch, sequence, hidden].</summary>
    public const string HiddenIn = "hidden_in";

    /// <summary>Hidden state leaving a segment, float [batch, sequence, hidden].</summary>
    public const string HiddenOut = "hidden_out";

    /// <summary>Pooled, normalised sentence embedding, float [batch, hidden].</summary>
    public const string Embedding = "embedding";
}
