namespace EdgeSplit.DeviceAgent.Bench;

/// <summary>One benchmark condition: link shape, background load on the edge, and device slowness.</summary>
internal sealed record PolicyScenario(string Name, double LatencyMs, double BytesPerMs, int BackgroundClients, double DeviceSlowdown);
