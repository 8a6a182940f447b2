namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>The link as the planner sees it now: round trip, throughput and how fresh the figures are (0..1).</summary>
internal sealed record LinkSnapshot(double RttMs, double BytesPerMs, double Confidence);
