using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>How one edge call ended; never thrown, so a race can inspect it without unobserved exceptions.</summary>
internal sealed record EdgeOutcome(EdgeAnswer? Answer, EdgeFailureKind Failure, string? Error, double ElapsedMs)
{
    /// <summary>True when the node answered.</summary>
    public bool Succeeded => Answer is not null;
}
