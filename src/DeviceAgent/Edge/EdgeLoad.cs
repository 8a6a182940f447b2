namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>Load report of an edge node: queue depth, in-flight work and recent per-stage cost (ms per token).</summary>
public sealed record EdgeLoad(int QueueDepth, int InFlight, IReadOnlyList<double> StageMsPerToken, double RecentQueueMs);
