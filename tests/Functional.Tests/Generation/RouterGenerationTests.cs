namespace EdgeSplit.Functional.Tests.Generation;

/// <summary>Generate streams through a real router process in front of two real decoder edges.</summary>
[Collection(AgentProcesses.Name)]
public sealed class RouterGenerationTests(GenerationHarness harness) : IClassFixture<GenerationHarness>
{
    [Fact]
    public async Task Generate_ThroughRouter_ConcurrentSessionsEachStayOnOneEdgeAndMatchLocal()
    {
        await using var first = await harness.StartEdgeAsync();
        await using var second = await harness.StartEdgeAsync();
        await using var router = await GatewayProcess.StartAsync(
            RepoPaths.GatewayDll,
            ["--EdgeSplit:Role=Router", $"--EdgeSplit:Router:Edges:0={first.Address}", $"--EdgeSplit:Router:Edges:1={second.Address}"],
            GenerationHarness.Timeout,
            name: "router");
        await using var link = new GenerationLinkFactory(router.Address, harness.Model.Manifest.HiddenSize);

        // A step that reached another edge than its session's would be refused (no session on that stream there),
        // so all-edge routes with the local tokens show every stream stayed where it opened.
        var sessions = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var generator = new SplitGenerator(harness.Model, link);
            var tokens = await GenerationHarness.CollectAsync(generator, harness.Request(cut: 2, tokens: 24));
            return (Tokens: tokens, generator.TailRebuilds);
        })));

        Assert.All(sessions, s =>
        {
            Assert.Equal(harness.Expected.Take(24), s.Tokens.Select(t => t.Token));
            Assert.All(s.Tokens, t => Assert.Equal(GenerationRoute.Edge, t.Route));
            Assert.Equal(0, s.TailRebuilds);
        });
    }
}
