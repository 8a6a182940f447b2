using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Everything one plan depends on, frozen at planning time: the planner is a pure function of this, so a
/// decision can be replayed and tested with scripted costs. <see cref="ExploreDue"/>: no edge call for a
/// while; <see cref="EstimatesStale"/>: the link or edge figures are mostly prior by now; <see cref="RadioTailLeftMs"/>:
/// how long the radio's high-power tail from earlier transfers still runs (0: asleep), so a transfer is charged only the
/// tail it adds.
/// </summary>
internal sealed record PlanContext(
    int Tokens,
    int Hidden,
    IReadOnlyList<double> DeviceStageMs,
    EdgeSnapshot Edge,
    LinkSnapshot Link,
    bool EdgeAvailable,
    bool EdgeAcceptsTokenIds = false,
    IReadOnlyList<WireEncoding>? EdgeEncodings = null,
    bool ExploreDue = false,
    bool EstimatesStale = false,
    double RadioTailLeftMs = 0)
{
    /// <summary>Number of stages N; cut N is all-local.</summary>
    public int StageCount => DeviceStageMs.Count;
}
