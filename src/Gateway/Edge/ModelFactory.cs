using EdgeSplit.Inference.Runtime;

namespace EdgeSplit.Gateway.Edge;

/// <summary>Where the node's model comes from: loaded from options (default) or handed in by the host (tests, benchmarks).</summary>
internal sealed record ModelFactory(Func<EdgeNodeOptions, SplitModel> Create, bool OwnsModel);
