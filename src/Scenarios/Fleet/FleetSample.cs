using EdgeSplit.DeviceAgent.Energy;

namespace EdgeSplit.Scenarios.Fleet;

/// <summary>One finished fleet request: when it ended (seconds from start), how long it took and how it was served.</summary>
internal sealed record FleetSample(double AtSeconds, double LatencyMs, string Route, int Cut, bool Succeeded, int EdgeQueueDepth, string DeviceClass)
{
    /// <summary>Name of the phone's link profile.</summary>
    public string Link { get; init; } = LinkProfile.Loopback.Name;

    /// <summary>
    /// All-local counterfactual latency: what this phone's replayed compute takes for the whole model on this text,
    /// i.e. what the same request would have cost had the phone run it alone.
    /// </summary>
    public double LocalMs { get; init; }

    /// <summary>
    /// Why the phone's planner chose where the request ran: the decision's reason up to its first colon ("lowest
    /// predicted latency", "explore", "edge unavailable", "fixed cut 3"...).
    /// </summary>
    public string Why { get; init; } = "";

    /// <summary>What the request cost the phone (compute, bytes, modelled energy), as the agent accounted it.</summary>
    public DeviceSpend Spend { get; init; } = DeviceSpend.None;
}
