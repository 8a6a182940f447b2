using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Energy;
using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.DeviceAgent.Resilience;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>One answered request: the embedding, where it was computed, and predicted vs actual latency.</summary>
public sealed record AgentResult(
    string RequestId,
    string Text,
    float[] Embedding,
    int Cut,
    WireEncoding Encoding,
    AgentRoute Route,
    double PredictedMs,
    double ActualMs,
    bool Hedged,
    EdgeFailureKind Failure,
    PlanDecision Decision)
{
    /// <summary>The edge's load report carried by its answer (edge route only).</summary>
    public EdgeLoad? EdgeLoad { get; init; }

    /// <summary>What the request cost the phone (compute, bytes, modelled energy) and its all-local counterfactual.</summary>
    public DeviceSpend Spend { get; init; } = DeviceSpend.None;

    /// <summary>"edge", "local" or "fallback".</summary>
    public string RouteName => Route switch
    {
        AgentRoute.Edge => "edge",
        AgentRoute.Local => "local",
        _ => "fallback",
    };

    /// <summary>The decision table plus the actual latency.</summary>
    public string Explain() => Decision.Explain(ActualMs, RouteName + (Hedged ? " (hedged)" : Failure != EdgeFailureKind.None ? $" ({Failure})" : ""));
}
