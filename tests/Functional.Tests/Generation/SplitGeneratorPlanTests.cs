namespace EdgeSplit.Functional.Tests.Generation;

/// <summary>
/// The library's session planner (<see cref="SplitGenerator.PlanAsync"/>, what <c>generate --split auto</c> runs)
/// on the real decoder, alone, against a real edge process, and against an address where nothing listens.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed class SplitGeneratorPlanTests(GenerationHarness harness) : IClassFixture<GenerationHarness>
{
    [Fact]
    public async Task PlanAsync_NoEdge_LocalAndSaysWhy()
    {
        // The request's own cut is not the planner's input.
        var plan = await new SplitGenerator(harness.Model).PlanAsync(harness.Request(cut: 2));

        Assert.Null(plan.Cut);
        Assert.False(plan.EdgeMeasured);
        Assert.Equal(harness.Model.StageCount, Assert.Single(plan.Options).Cut);
        Assert.Equal("no edge measured: everything on the device", plan.Reason);
        Assert.EndsWith("<- chosen", plan.Explain().Split(Environment.NewLine).Single(l => l.StartsWith("local", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_RealEdge_PredictsLocalAndEveryCutAndPicksTheFastest()
    {
        await using var edge = await harness.StartEdgeAsync();
        await using var link = new GenerationLinkFactory(edge.Address, harness.Model.Manifest.HiddenSize);

        var plan = await new SplitGenerator(harness.Model, link).PlanAsync(harness.Request(null));

        // Local, then cuts 1 .. N-1, each from measured costs: the cuts pay the measured round trip on every token.
        Assert.True(plan.EdgeMeasured, plan.Reason);
        Assert.Equal([harness.Model.StageCount, .. Enumerable.Range(1, harness.Model.StageCount - 1)], plan.Options.Select(r => r.Cut));
        Assert.All(plan.Options, r => Assert.True(r.FirstTokenMs > 0 && r.PerTokenMs > 0 && double.IsFinite(r.TotalMs), $"cut {r.Cut}: {r}"));
        var fastest = plan.Options.MinBy(r => r.TotalMs)!;
        Assert.Equal(fastest == plan.Local ? null : fastest.Cut, plan.Cut);
        Assert.Equal(plan.Options.Count + 2, plan.Explain().Split(Environment.NewLine).Length);

        // The plan's cut generates the uninterrupted tokens.
        var tokens = await GenerationHarness.CollectAsync(new SplitGenerator(harness.Model, link), harness.Request(plan.Cut));
        Assert.Equal(harness.Expected, tokens.Select(t => t.Token));
    }

    [Fact]
    public async Task PlanAsync_NothingListening_Local()
    {
        await using var link = new GenerationLinkFactory(new Uri("http://127.0.0.1:1"), harness.Model.Manifest.HiddenSize);

        var plan = await new SplitGenerator(harness.Model, link).PlanAsync(harness.Request(null)).WaitAsync(GenerationHarness.Timeout);

        Assert.Null(plan.Cut);
        Assert.False(plan.EdgeMeasured);
        Assert.Single(plan.Options);
        Assert.StartsWith("no edge measured (Unavailable: ", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_PromptOutsideTheVocabulary_RefusedBeforeMeasuring()
    {
        var request = harness.Request(null) with { Prompt = [.. harness.PromptIds, -5] };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => new SplitGenerator(harness.Model).PlanAsync(request));

        Assert.Contains("prompt token -5 has no row", ex.Message, StringComparison.Ordinal);
    }
}
