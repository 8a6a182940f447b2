using EdgeSplit.Inference.Models;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>How to cut a model into stages.</summary>
public sealed record PartitionOptions
{
    /// <summary>
    /// Names of the tensors that end each stage before pooling (embeddings output, then each layer's output),
    /// in order. Null (the default) finds them from BERT-style parameter names.
    /// </summary>
    public IReadOnlyList<string>? Boundaries { get; init; }

    /// <summary>Pooling of the output stage. Default <see cref="PoolingMode.Mean"/>.</summary>
    public PoolingMode Pooling { get; init; } = PoolingMode.Mean;

    /// <summary>
    /// Original model inputs that travel with every activation and may be used to recompute values
    /// after a cut (default: only <c>attention_mask</c>).
    /// </summary>
    public IReadOnlyList<string> SideInputs { get; init; } = [TensorNames.AttentionMask];
}
