namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>The edge as the planner sees it now: predicted ms of each stage for this request, and the queue wait.</summary>
internal sealed record EdgeSnapshot(IReadOnlyList<double> StageMs, double QueueMs, double Confidence);
