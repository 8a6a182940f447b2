namespace EdgeSplit.Inference.Models;

/// <summary>How token states become one sentence embedding (sentence-transformers' pooling layer).</summary>
public enum PoolingMode
{
    /// <summary>Mean over the tokens the attention mask keeps, then L2 normalisation (all-MiniLM-L6-v2).</summary>
    Mean,

    /// <summary>The first ([CLS]) token's state, then L2 normalisation (arctic-embed).</summary>
    Cls,
}
