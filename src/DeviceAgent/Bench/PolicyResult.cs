using EdgeSplit.DeviceAgent.Execution;

namespace EdgeSplit.DeviceAgent.Bench;

/// <summary>Median latency of one policy in one scenario, which routes its requests took and at which cuts.</summary>
internal sealed record PolicyResult(string Scenario, string Policy, int? Cut, double MedianMs, IReadOnlyDictionary<AgentRoute, int> Routes)
{
    /// <summary>Requests per chosen cut and encoding, e.g. "1/F16" (what the policy's planner picked).</summary>
    public IReadOnlyDictionary<string, int> Cuts { get; init; } = new Dictionary<string, int>();
}
