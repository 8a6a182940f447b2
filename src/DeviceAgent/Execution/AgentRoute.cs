namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>Which path produced a result.</summary>
public enum AgentRoute
{
    /// <summary>The edge ran stages [k,N) and answered.</summary>
    Edge,

    /// <summary>Planned all-local.</summary>
    Local,

    /// <summary>Sent to the edge, but the device finished [k,N) itself from the cut tensor (failure or lost hedge).</summary>
    Fallback,
}
