namespace EdgeSplit.Inference.Partitioning;

/// <summary>What a stage of the partitioned model computes.</summary>
public enum StageKind
{
    /// <summary>Token ids to the first hidden state.</summary>
    Embeddings,

    /// <summary>One transformer block: hidden state to hidden state.</summary>
    Layer,

    /// <summary>Last hidden state to the pooled, L2-normalised sentence embedding.</summary>
    Pooling,
}
