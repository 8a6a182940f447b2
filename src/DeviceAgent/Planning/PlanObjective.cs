namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>What the planner minimises when it picks a cut.</summary>
public enum PlanObjective
{
    /// <summary>End-to-end latency as the user sees it.</summary>
    Latency,

    /// <summary>Energy the device spends (compute + radio + idle wait), as Neurosurgeon's energy mode.</summary>
    Energy,
}
