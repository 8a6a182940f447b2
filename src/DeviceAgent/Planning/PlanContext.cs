using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Everything one plan depends on, frozen at planning time: the planner is a pure function of this, so a
/// decision can be replayed and tested with scripted costs.
/// </summary>
public sealed record PlanContext(
    int Tokens,
    int Hidden,
    IReadOnlyList<double> DeviceStageMs,
    EdgeSnapshot Edge,
    LinkSnapshot Link,
    bool EdgeAvailable,
    bool EdgeAcceptsTokenIds = false,
    IReadOnlyList<WireEncoding>? EdgeEncodings = null,
    bool ExploreDue = false)
{
    /// <summary>Number of stages N; cut N is fully local.</summary>
    public int StageCount => DeviceStageMs.Count;
}
