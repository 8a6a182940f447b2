using Grpc.Core;

namespace EdgeSplit.Functional.Tests.Generation;

/// <summary>
/// Split generation against a real edge process that dies, goes silent, refuses, or is never there: the
/// device rebuilds the tail's KV from its retained cut rows (one prefill of [k, N), never rerunning [0, k))
/// and produces exactly the tokens of an uninterrupted greedy run.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed class SplitGenerationFailoverTests(GenerationHarness harness) : IClassFixture<GenerationHarness>
{
    private const int Cut = 2;

    [Fact]
    public async Task Generate_HealthyEdge_AllTokensFromEdgeSameAsLocal()
    {
        await using var edge = await harness.StartEdgeAsync();
        await using var link = new GenerationLinkFactory(edge.Address, harness.Model.Manifest.HiddenSize);
        var generator = new SplitGenerator(harness.Model, link);

        var tokens = await GenerationHarness.CollectAsync(generator, harness.Request(Cut));

        Assert.Equal(harness.Expected, tokens.Select(t => t.Token));
        Assert.All(tokens, t => Assert.Equal(GenerationRoute.Edge, t.Route));
        Assert.Equal(0, generator.TailRebuilds);
    }

    [Fact]
    public async Task Generate_SampledWithSeed_EdgeThenKilled_SameTokensAsLocalSampling()
    {
        var sampling = new Inference.Decoder.SamplingOptions { Temperature = 0.8, TopP = 0.9, Seed = 7 };
        var local = await GenerationHarness.CollectAsync(new SplitGenerator(harness.Model), harness.Request(null) with { Sampling = sampling });
        var edge = await harness.StartEdgeAsync();
        await using var _ = edge;
        await using var link = new GenerationLinkFactory(edge.Address, harness.Model.Manifest.HiddenSize);

        var tokens = await GenerationHarness.CollectAsync(new SplitGenerator(harness.Model, link), harness.Request(Cut) with { Sampling = sampling }, afterToken: n =>
        {
            if (n == 20)
            {
                edge.Kill();
            }
        });

        Assert.NotEqual(harness.Expected, local.Select(t => t.Token));
        Assert.Equal(local.Select(t => t.Token), tokens.Select(t => t.Token));
        Assert.All(tokens.Take(20), t => Assert.Equal(GenerationRoute.Edge, t.Route));
        Assert.All(tokens.Skip(20), t => Assert.Equal(GenerationRoute.Failover, t.Route));
    }

    [Fact]
    public async Task Generate_EdgeSigkilledAtToken10Of48_SameTokensRestLocalOneTailPrefill()
    {
        var edge = await harness.StartEdgeAsync();
        await using var _ = edge;
        await using var link = new GenerationLinkFactory(edge.Address, harness.Model.Manifest.HiddenSize);
        var failures = new List<Exception>();
        var generator = new SplitGenerator(harness.Model, link) { OnFailover = failures.Add };

        var tokens = await GenerationHarness.CollectAsync(generator, harness.Request(Cut), afterToken: n =>
        {
            if (n == 10)
            {
                edge.Kill();
            }
        });

        Assert.Equal(harness.Expected, tokens.Select(t => t.Token));
        Assert.All(tokens.Take(10), t => Assert.Equal(GenerationRoute.Edge, t.Route));
        Assert.All(tokens.Skip(10), t => Assert.Equal(GenerationRoute.Failover, t.Route));
        Assert.Single(failures);
        Assert.Equal(1, generator.TailRebuilds);
        Assert.Equal(harness.PromptIds.Count + GenerationHarness.Tokens - 1, generator.HeadPositions);
    }

    [Fact]
    public async Task Generate_EdgeSilentAtToken10_TimesOutAndContinuesLocallyWithSameTokens()
    {
        var edge = await harness.StartEdgeAsync();
        await using var _ = edge;
        await using var link = new GenerationLinkFactory(edge.Address, harness.Model.Manifest.HiddenSize, stepTimeout: TimeSpan.FromSeconds(1));
        var failures = new List<Exception>();
        var generator = new SplitGenerator(harness.Model, link) { OnFailover = failures.Add };
        var pid = edge.ProcessId!.Value;
        try
        {
            var tokens = await GenerationHarness.CollectAsync(generator, harness.Request(Cut), afterToken: n =>
            {
                if (n == 10)
                {
                    Signal("STOP", pid);
                }
            });

            Assert.Equal(harness.Expected, tokens.Select(t => t.Token));
            Assert.All(tokens.Skip(10), t => Assert.Equal(GenerationRoute.Failover, t.Route));
            Assert.IsType<TimeoutException>(Assert.Single(failures));
            Assert.Equal(1, generator.TailRebuilds);
        }
        finally
        {
            Signal("CONT", pid);
        }
    }

    [Fact]
    public async Task Generate_EdgeRefusesForKvMemory_ResourceExhaustedWithRetryAfterThenAllLocalSameTokens()
    {
        await using var edge = await harness.StartEdgeAsync("--EdgeSplit:Generation:KvBudgetBytes=1024");
        await using var link = new GenerationLinkFactory(edge.Address, harness.Model.Manifest.HiddenSize);
        var failures = new List<Exception>();
        var generator = new SplitGenerator(harness.Model, link) { OnFailover = failures.Add };

        var tokens = await GenerationHarness.CollectAsync(generator, harness.Request(Cut));

        Assert.Equal(harness.Expected, tokens.Select(t => t.Token));
        Assert.All(tokens, t => Assert.Equal(GenerationRoute.Failover, t.Route));
        var refusal = Assert.IsType<RpcException>(Assert.Single(failures));
        Assert.Equal(StatusCode.ResourceExhausted, refusal.StatusCode);
        Assert.Contains("KV-cache budget full", refusal.Status.Detail);
        Assert.Equal("500", refusal.Trailers.GetValue("retry-after-ms"));
    }

    [Fact]
    public async Task Generate_DeviceOfflineFromTheStart_FullyLocalSameTokens()
    {
        await using var link = new GenerationLinkFactory(new Uri($"http://127.0.0.1:{GatewayProcess.FreePort()}"), harness.Model.Manifest.HiddenSize);
        var generator = new SplitGenerator(harness.Model, link);

        var tokens = await GenerationHarness.CollectAsync(generator, harness.Request(Cut));

        Assert.Equal(harness.Expected, tokens.Select(t => t.Token));
        Assert.All(tokens, t => Assert.Equal(GenerationRoute.Failover, t.Route));
        Assert.Equal(1, generator.TailRebuilds);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
