using EdgeSplit.DeviceAgent.Execution;

namespace EdgeSplit.DeviceAgent.Bench;

/// <summary>Median latency of one policy in one scenario, and which routes its requests took.</summary>
internal sealed record PolicyResult(string Scenario, string Policy, int? Cut, double MedianMs, IReadOnlyDictionary<AgentRoute, int> Routes);
