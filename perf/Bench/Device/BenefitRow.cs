using EdgeSplit.DeviceAgent.Execution;
using EdgeSplit.Scenarios;

namespace EdgeSplit.Bench.Device;

/// <summary>One policy in one cell of the benefit table: latency percentiles, device energy and where requests ran.</summary>
internal sealed record BenefitRow(
    string DeviceClass,
    string Link,
    string Length,
    string Policy,
    int? Cut,
    double P50Ms,
    double P95Ms,
    double EnergyMj,
    int Requests,
    int Edge,
    int LocalTails,
    int LocalRequests,
    double ComputeOverHead,
    int CommonCut,
    string Plans)
{
    // LocalTails: offloaded requests whose phone started the tail itself (a broken promise or a failure).
    // ComputeOverHead: median, over offloaded requests, of device compute spent / the plan's head cost.
    // CommonCut: the cut the policy chose most often (the stage count: local).

    /// <summary>A fixed cut (all-local and full offload included), as opposed to an auto policy.</summary>
    public bool IsFixed => Cut is not null;

    public static BenefitRow From(string deviceClass, string link, string length, string policy, int? cut, IReadOnlyList<AgentResult> results, int stageCount)
    {
        var latencies = results.Select(r => r.ActualMs).ToList();
        var plans = results
            .GroupBy(r => r.Cut == stageCount ? "local" : $"{r.Cut}/{r.Encoding.ToString().ToLowerInvariant()}")
            .OrderByDescending(g => g.Count())
            .Select(g => $"{g.Key} x{g.Count()}");
        return new BenefitRow(
            deviceClass,
            link,
            length,
            policy,
            cut,
            Statistics.Median(latencies),
            Statistics.Percentile(latencies, 0.95),
            Statistics.Median([.. results.Select(r => r.Spend.Millijoules)]),
            results.Count,
            results.Count(r => r.Route == AgentRoute.Edge),
            results.Count(r => r.Route != AgentRoute.Local && r.Spend.TailMs > 0),
            results.Count(r => r.Route == AgentRoute.Local),
            Statistics.Median([.. results.Where(r => r.Route != AgentRoute.Local && r.Decision.Chosen.DeviceMs > 0).Select(r => r.Spend.ComputeMs / r.Decision.Chosen.DeviceMs)]),
            results.GroupBy(r => r.Cut).MaxBy(g => g.Count())?.Key ?? stageCount,
            string.Join(", ", plans));
    }
}
