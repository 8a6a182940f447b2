namespace EdgeSplit.DeviceAgent.Fleet;

/// <summary>One finished fleet request: when it ended (seconds from start), how long it took and how it was served.</summary>
internal sealed record FleetSample(double AtSeconds, double LatencyMs, string Route, int Cut, bool Succeeded, int EdgeQueueDepth, string DeviceClass);
