using EdgeSplit.Cli;
using EdgeSplit.DeviceAgent.Observability;
using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Tests.Execution;

// Several tests race the hedge timer against real delays: run alone, so another test's ONNX Runtime work cannot
// stall this process past a node's promise (one CI run fell back on the 3 s budget instead of hedging at 200 ms).
[Collection(LoadSensitiveCollection.Name)]
public sealed class SplitAgentTests(AgentModelFixture fixture) : IClassFixture<AgentModelFixture>
{
    private const string Text = "the edge may fail but the answer must not";

    private static DeviceAgentOptions Options() => new() { ProfileLengths = [8, 24], ProfileRepeats = 1 };

    private SplitAgent Agent(ScriptedEdgeTransport? edge, DeviceAgentOptions? options = null, double slowdown = 1) =>
        new(fixture.Model, edge, Microsoft.Extensions.Options.Options.Create(options ?? Options()), compute: new SlowerDevice(new LocalExecutor(fixture.Model), slowdown));

    private ScriptedEdgeTransport Edge() => new(fixture.Model.ModelHash, fixture.Model.StageCount, fixture.Model);

    /// <summary>
    /// An agent whose every time is scripted on <paramref name="clock"/>: a phone taking <paramref name="phoneStage"/> in
    /// each stage, and a node taking <paramref name="nodeMsPerToken"/> per token in each stage behind a 10 kB/ms link.
    /// </summary>
    private SplitAgent ScriptedAgent(FakeTimeProvider clock, LinearStageCost phoneStage, double nodeMsPerToken, double rttMs, DeviceAgentOptions options)
    {
        var stages = fixture.Model.StageCount;
        var device = new ScriptedDeviceCompute(fixture.Model, Enumerable.Repeat(phoneStage, stages).ToArray(), clock);
        var node = Edge();
        node.StageMsPerToken = Enumerable.Repeat(nodeMsPerToken, stages).ToArray();
        var edge = new ScriptedLinkTransport(node, clock, rttMs, bytesPerMs: 10_000, fixture.Model.HiddenSize);
        return new SplitAgent(fixture.Model, edge, Microsoft.Extensions.Options.Options.Create(options), clock, compute: device);
    }

    private float[] Reference() => fixture.Model.Embed(fixture.Model.Tokenize([Text]))[0];

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 4);
        }
    }

    [Fact]
    public async Task EmbedAsync_NoEdge_LocalRouteSameAsReference()
    {
        await using var agent = Agent(null);

        var result = await agent.EmbedAsync(Text);

        Assert.Equal(AgentRoute.Local, result.Route);
        Assert.Equal(agent.StageCount, result.Cut);
        AssertClose(Reference(), result.Embedding);
    }

    [Fact]
    public async Task EmbedAsync_FixedCutEdgeAnswers_EdgeRoute()
    {
        var edge = Edge();
        // A device 4x slower than the in-process edge, so the hedge (started when the device could have
        // finished the tail itself) does not race the edge on equal terms.
        var options = Options();
        await using var agent = Agent(edge, options, slowdown: 4);
        await agent.StartAsync();
        var warmUp = edge.InferCalls;

        var result = await agent.EmbedAsync(Text, cut: 3);

        Assert.Equal(AgentRoute.Edge, result.Route);
        Assert.Equal(3, result.Cut);
        Assert.Equal(warmUp + 1, edge.InferCalls);
        AssertClose(Reference(), result.Embedding);
    }

    [Fact]
    public async Task EmbedAsync_EdgeFailsAfterCut_FallbackFromSameTensorIsCorrect()
    {
        var edge = Edge();
        EdgeSplit.Inference.Runtime.Activation? sent = null;
        edge.OnInfer = (request, _) =>
        {
            sent = request.Activation;
            throw ScriptedEdgeTransport.Unavailable();
        };
        // No hedge: this is about what follows the failure, which a busy thread pool could deliver after a hedge timer.
        var options = Options();
        options.Resilience.Hedge = false;
        await using var agent = Agent(edge, options);

        var result = await agent.EmbedAsync(Text, cut: 4);

        Assert.Equal(AgentRoute.Fallback, result.Route);
        Assert.Equal(EdgeSplit.DeviceAgent.Resilience.EdgeFailureKind.Unavailable, result.Failure);
        Assert.Equal(4, sent!.Cut);
        AssertClose(Reference(), result.Embedding);
    }

    [Fact]
    public async Task EmbedAsync_EdgeNeverAnswers_HedgeAnswersOnceWithinLocalTimeScale()
    {
        var edge = Edge();
        edge.OnInfer = (_, ct) => Task.Delay(TimeSpan.FromSeconds(30), ct);
        var options = Options();
        options.Resilience.LatencyBudget = TimeSpan.FromSeconds(2);
        await using var agent = Agent(edge, options);

        var result = await agent.EmbedAsync(Text, cut: 2);

        Assert.Equal(AgentRoute.Fallback, result.Route);
        Assert.True(result.Hedged);
        Assert.True(result.ActualMs < 1500, $"hedged answer took {result.ActualMs:F0} ms");
        AssertClose(Reference(), result.Embedding);
    }

    [Fact]
    public async Task EmbedAsync_EdgeAcceptsThenGoesSilent_DeviceWaitsForTheNodesOwnPromiseThenFinishes()
    {
        // The node admits the request with an estimate, then never answers (a host gone silent). The device holds
        // it to that estimate x slack + margin: not sooner (no local work on a node that keeps its word), and not
        // much later (the request costs the broken promise plus the tail). The node reports its own per-stage
        // figures, as a real node's manifest does, so the promise's floor (the plan's edge time) does not depend on
        // how fast this machine ran the device's profile.
        async Task<AgentResult> SilentAfterAcceptingAsync(double etaMs)
        {
            var edge = Edge();
            edge.AcceptEtaMs = etaMs;
            edge.StageMsPerToken = Enumerable.Repeat(0.01, fixture.Model.StageCount).ToArray();
            edge.OnInfer = (_, ct) => Task.Delay(TimeSpan.FromSeconds(30), ct);
            var options = Options();
            options.Resilience.LatencyBudget = TimeSpan.FromSeconds(3);
            await using var agent = Agent(edge, options);
            await agent.StartAsync();
            var result = await agent.EmbedAsync(Text, cut: 2);
            Assert.Equal(AgentRoute.Fallback, result.Route);
            Assert.True(result.Hedged, result.Explain());
            AssertClose(Reference(), result.Embedding);
            return result;
        }

        var options = Options().Resilience;
        var shortPromise = await SilentAfterAcceptingAsync(100);
        var longPromise = await SilentAfterAcceptingAsync(600);

        Assert.True(shortPromise.ActualMs >= 100 * options.HedgeSlack, $"hedged before the promised {100 * options.HedgeSlack:F0} ms: {shortPromise.Explain()}");
        Assert.True(longPromise.ActualMs >= 600 * options.HedgeSlack, $"hedged before the promised {600 * options.HedgeSlack:F0} ms: {longPromise.Explain()}");
        Assert.True(shortPromise.ActualMs < longPromise.ActualMs * 0.5,
            $"the node's estimate did not set the wait; short promise: {shortPromise.Explain()}; long promise: {longPromise.Explain()}");
    }

    [Fact]
    public async Task EmbedAsync_EdgeSlowerThanPlannedButWithinItsPromise_EdgeAnswersAndNoLocalTail()
    {
        // The plan expects a fast edge (scripted in-process: well under a millisecond), but the node says at
        // admission that it needs 300 ms and answers after 200: a promise kept, so the phone computes nothing more.
        var edge = Edge();
        edge.AcceptEtaMs = 300;
        edge.OnInfer = (_, ct) => Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        await using var agent = Agent(edge);
        await agent.StartAsync();

        var result = await agent.EmbedAsync(Text, cut: 3);

        Assert.True(result.Route == AgentRoute.Edge, result.Explain());
        Assert.False(result.Hedged, result.Explain());
        AssertClose(Reference(), result.Embedding);
    }

    [Fact]
    public async Task EmbedAsync_EdgeKeepsFailing_BreakerSendsLaterRequestsLocal()
    {
        var edge = Edge();
        edge.OnInfer = (_, _) => throw ScriptedEdgeTransport.Unavailable();
        var options = Options();
        options.Resilience.Hedge = false; // every failure must reach the breaker before the next request
        options.Resilience.ConsecutiveFailures = 3;
        options.Resilience.ProbeInitialDelay = TimeSpan.FromSeconds(30);
        options.Resilience.ProbeMaxDelay = TimeSpan.FromSeconds(30);
        await using var agent = Agent(edge, options);
        await agent.StartAsync();
        var warmUp = edge.InferCalls;

        var results = new List<AgentResult>();
        for (var i = 0; i < 8; i++)
        {
            results.Add(await agent.EmbedAsync(Text, cut: 2));
        }

        Assert.Equal(warmUp + 3, edge.InferCalls);
        Assert.All(results.Take(3), r => Assert.Equal(AgentRoute.Fallback, r.Route));
        Assert.All(results.Skip(3), r => Assert.Equal(AgentRoute.Local, r.Route));
        Assert.All(results, r => AssertClose(Reference(), r.Embedding));
    }

    [Fact]
    public async Task EmbedAsync_AutoWithFastIdleEdge_OffloadsAndExplainsChoice()
    {
        // Every time the planner sees is scripted on a fake clock, so the premise "the edge is far faster than
        // the device" is the test's, not this machine's: the real model still computes every embedding. The
        // hedge waits on the same clock, so it cannot fire while the real computation is merely slow; without
        // the scripted edge meets its predicted time x slack.
        var clock = new FakeTimeProvider();
        // A phone: 0.5 ms + 0.25 ms per token per stage (about 3 ms a stage for this text); an idle node 25x faster
        // per token, behind a fast link (1 ms round trip, 10 kB/ms = 80 Mbit/s).
        await using var agent = ScriptedAgent(clock, new LinearStageCost(0.5, 0.25), nodeMsPerToken: 0.01, rttMs: 1, Options());

        // The first request explores: throughput was never measured, and at the prior (a poor cellular link)
        // the phone is cheaper than sending its hidden state. Once measured, the plan offloads on its merits.
        var first = await agent.EmbedAsync(Text);
        var result = await agent.EmbedAsync(Text);

        Assert.True(first.Decision.Reason.StartsWith("explore", StringComparison.Ordinal), first.Explain());
        Assert.True(result.Route == AgentRoute.Edge, result.Explain());
        Assert.Equal("lowest predicted latency", result.Decision.Reason);
        Assert.True(result.Cut < agent.StageCount);
        Assert.Contains("actual", result.Explain());
        Assert.Equal(result.Decision.Candidates.Min(c => c.LatencyMs), result.PredictedMs);
        AssertClose(Reference(), first.Embedding);
        AssertClose(Reference(), result.Embedding);
    }

    [Fact]
    public async Task EmbedAsync_EdgeNeverPaysOff_ExplorationsBackOff()
    {
        // A slow phone (~14 ms a stage) and a slower, loaded node behind a 40 ms round trip: offloading measures ~2x
        // local, near enough to re-measure when the figures go stale, never good enough to win. Requests 4 s apart on
        // a fake clock.
        async Task<int> ExplorationsAsync(TimeSpan maxInterval)
        {
            var clock = new FakeTimeProvider();
            var options = Options();
            options.Planner.MaxExploreInterval = maxInterval;
            await using var agent = ScriptedAgent(clock, new LinearStageCost(2, 1), nodeMsPerToken: 2.0, rttMs: 40, options);
            var explorations = 0;
            for (var i = 0; i < 30; i++)
            {
                var result = await agent.EmbedAsync(Text);
                Assert.NotEqual(AgentRoute.Fallback, result.Route);
                explorations += result.Decision.Explores ? 1 : 0;
                clock.Advance(TimeSpan.FromSeconds(4));
            }

            return explorations;
        }

        var withoutBackoff = await ExplorationsAsync(new PlannerOptions().ExploreInterval);
        var withBackoff = await ExplorationsAsync(new PlannerOptions().MaxExploreInterval);

        Assert.True(withoutBackoff >= 10, $"{withoutBackoff} explorations in 30 requests 4 s apart without backoff: the figures never went stale");
        Assert.InRange(withBackoff, 2, withoutBackoff / 2);
    }

    [Fact]
    public async Task EmbedAsync_WithTelemetry_CountsRequestByRoute()
    {
        // A meter from its own factory: the listener hears this agent only, not another test's on the same meter name.
        using var measurements = DeviceMeasurements.OnOwnFactory();
        using var telemetry = new DeviceTelemetry(measurements.Factory);
        await using var agent = new SplitAgent(fixture.Model, null, Microsoft.Extensions.Options.Options.Create(Options()), telemetry: telemetry);

        await agent.EmbedAsync(Text);
        await agent.EmbedAsync(Text);

        Assert.Equal(["local", "local"], measurements.Routes);

        // The phone's latency histograms use the edge's buckets, so a dashboard can set them side by side.
        var buckets = measurements.HistogramBuckets;
        Assert.Equal(["edgesplit.device.latency", "edgesplit.device.latency.predicted"], buckets.Keys.Order());
        Assert.All(buckets.Values, b => Assert.Equal(Contracts.Telemetry.HistogramBuckets.Seconds.HistogramBucketBoundaries, b));
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var options = Options();
        options.ProfileLengths = [1];

        Assert.Throws<OptionsValidationException>(() => Agent(null, options));
    }
}
