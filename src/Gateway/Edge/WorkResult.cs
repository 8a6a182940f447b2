namespace EdgeSplit.Gateway.Edge;

/// <summary>What a micro-batch produced for one request, or why it produced nothing.</summary>
internal sealed record WorkResult(
    float[][]? Embeddings,
    float[]? LastHidden,
    double QueueMs,
    double ComputeMs,
    int BatchRows,
    EdgeError? Error)
{
    public static WorkResult Failed(EdgeError error, double queueMs = 0) => new(null, null, queueMs, 0, 0, error);
}
