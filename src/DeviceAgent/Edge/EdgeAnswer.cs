namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>The edge's result for one request, with what it cost and the node's load.</summary>
public sealed record EdgeAnswer(
    string RequestId,
    float[][] Embeddings,
    double QueueMs,
    double ComputeMs,
    long BytesSent,
    EdgeLoad Load,
    string ModelHash);
