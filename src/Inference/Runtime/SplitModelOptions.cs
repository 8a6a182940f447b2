using EdgeSplit.Inference.Partitioning;

namespace EdgeSplit.Inference.Runtime;

/// <summary>How <see cref="SplitModel.Load"/> partitions and runs a model.</summary>
public sealed record SplitModelOptions
{
    /// <summary>ONNX Runtime settings.</summary>
    public RuntimeOptions Runtime { get; init; } = new();

    /// <summary>Boundaries and pooling (pooling defaults to the model source's).</summary>
    public IReadOnlyList<string>? Boundaries { get; init; }

    /// <summary>Where partitions are cached; null uses <see cref="SegmentCache.Default"/>.</summary>
    public SegmentCache? Cache { get; init; }

    /// <summary>Set false to partition in memory without touching the cache.</summary>
    public bool UseCache { get; init; } = true;
}
