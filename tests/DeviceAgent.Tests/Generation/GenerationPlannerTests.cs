using EdgeSplit.DeviceAgent.Generation;

namespace EdgeSplit.DeviceAgent.Tests.Generation;

public sealed class GenerationPlannerTests
{
    // Embeddings, four layers, head: the layers dominate, as in a real decoder.
    private static readonly double[] DevicePrefill = [0.1, 4, 4, 4, 4, 2];
    private static readonly double[] DeviceDecode = [0.1, 5, 5, 5, 5, 3];

    [Fact]
    public void Plan_SlowDeviceFastEdgeFastLink_SplitsEarlyAndExplainsWhy()
    {
        var costs = new GenerationCosts(DevicePrefill, DeviceDecode, EdgeTailPrefillMsPerToken: 1, EdgeTailDecodeMs: 2, RoundTripMs: 3, BytesPerMs: 10_000);

        var plan = GenerationPlanner.Plan(costs, stages: 6, hidden: 768, promptTokens: 20, newTokens: 48);

        Assert.Equal(1, plan.Cut);
        Assert.Equal(6, plan.Options.Count);
        Assert.Contains("cut 1 is fastest", plan.Reason);
        Assert.Contains("<- chosen", plan.Explain().Split('\n').Single(l => l.StartsWith("1 ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Plan_RoundTripLongerThanALocalStep_StaysLocal()
    {
        var costs = new GenerationCosts(DevicePrefill, DeviceDecode, EdgeTailPrefillMsPerToken: 1, EdgeTailDecodeMs: 2, RoundTripMs: 80, BytesPerMs: 1_000);

        var plan = GenerationPlanner.Plan(costs, stages: 6, hidden: 768, promptTokens: 20, newTokens: 48);

        Assert.Null(plan.Cut);
        Assert.Contains("local is fastest", plan.Reason);
    }

    [Fact]
    public void Plan_NoEdgeMeasured_LocalOnlyOption()
    {
        var costs = new GenerationCosts(DevicePrefill, DeviceDecode, null, null, 0, 1);

        var plan = GenerationPlanner.Plan(costs, stages: 6, hidden: 768, promptTokens: 20, newTokens: 48);

        Assert.Null(plan.Cut);
        Assert.Single(plan.Options);
        Assert.Equal((0.1 + 16 + 2) * 20 + (23.1 * 47), plan.Options[0].TotalMs, 6);
    }
}
