using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Resilience;
using EdgeSplit.Scenarios.Links;

namespace EdgeSplit.Functional.Tests.DeviceAgent;

/// <summary>The agent against a real edge process that dies, hangs, slows down and comes back.</summary>
[Collection(AgentProcesses.Name)]
public sealed class EdgeOutageTests(AgentHarness harness) : IClassFixture<AgentHarness>
{
    [Fact]
    public async Task EmbedAsync_EdgeKilledMidRun_200CorrectResultsNoErrors()
    {
        await using var gateway = await AgentHarness.StartGatewayAsync();
        await using var proxy = new ThrottlingProxy(gateway.EndPoint);
        // No periodic re-exploration during this short run: after the kill the planner may go local before
        // the breaker has counted its failures, and an exploration timer firing late in the run would send one
        // request to the dead edge (a fallback) depending only on how fast this machine is. What this test
        // checks is the kill itself: one fallback, every answer correct, then local.
        await using var agent = harness.Agent(proxy.Address, o => o.Planner.ExploreInterval = TimeSpan.FromHours(1));
        await agent.StartAsync().WaitAsync(AgentHarness.Timeout);

        var results = new List<AgentResult>();
        for (var i = 0; i < 200; i++)
        {
            var text = AgentHarness.Texts[i % AgentHarness.Texts.Length];
            if (i == 60)
            {
                // Kill the edge process while an offloaded request (cut 1 forces the edge path) is on the wire;
                // 50 ms of added latency keeps it there long enough for the kill to land first.
                proxy.LatencyMs = 50;
                var onWire = proxy.ArmRequestTrigger(1024);
                var inFlight = agent.EmbedAsync(text, 1);
                await onWire.WaitAsync(AgentHarness.Timeout);
                gateway.Kill();
                proxy.LatencyMs = 0;
                results.Add(await inFlight.WaitAsync(AgentHarness.Timeout));
                continue;
            }

            results.Add(await agent.EmbedAsync(text).WaitAsync(AgentHarness.Timeout));
        }

        Assert.Equal(200, results.Count);
        Assert.All(results, r => Assert.True(harness.Similarity(r) > 0.999, $"{r.RouteName} cut {r.Cut}: similarity {harness.Similarity(r)}"));
        Assert.True(results.Take(60).Any(r => r.Route == AgentRoute.Edge), string.Join("; ", results.Take(60).Select(r => $"{r.RouteName} cut {r.Cut} {r.ActualMs:F0}/{r.PredictedMs:F0} ms {r.Decision.Reason}")));
        Assert.Equal(AgentRoute.Fallback, results[60].Route);
        Assert.All(results.Skip(70), r => Assert.Equal(AgentRoute.Local, r.Route));
    }

    [Fact]
    public async Task EmbedAsync_EdgeHostGoesSilent_RequestsCostTheirPromisePlusTheTailAndKeepaliveDropsTheEdge()
    {
        await using var gateway = await AgentHarness.StartGatewayAsync();
        await using var proxy = new ThrottlingProxy(gateway.EndPoint);
        await using var agent = harness.Agent(proxy.Address);
        await agent.StartAsync().WaitAsync(AgentHarness.Timeout);
        // A freshly started node can miss the agent's short connect timeout; the probe loop brings it in.
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !agent.EdgeAvailable && waited.Elapsed < AgentHarness.Timeout;)
        {
            await Task.Delay(50);
        }

        var text = AgentHarness.Texts[1];
        var local = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            local.Add((await agent.EmbedAsync(text, agent.StageCount).WaitAsync(AgentHarness.Timeout)).ActualMs);
            Assert.Equal(AgentRoute.Edge, (await agent.EmbedAsync(text, 3).WaitAsync(AgentHarness.Timeout)).Route);
        }

        // The host goes silent: nothing forwarded either way, no connection closed or reset.
        proxy.Blackholed = true;
        var silent = System.Diagnostics.Stopwatch.StartNew();
        var during = new List<AgentResult>();
        while (agent.EdgeAvailable && silent.Elapsed < TimeSpan.FromSeconds(20))
        {
            during.Add(await agent.EmbedAsync(text, 3).WaitAsync(AgentHarness.Timeout));
        }

        var dropped = silent.Elapsed;
        Assert.False(agent.EdgeAvailable, $"the edge still counted as available {dropped.TotalSeconds:F1} s after its host went silent");
        // Keepalive (1 s + 1 s) fails the connection, the failure opens the circuit; generous for a busy 2-core machine.
        var bound = GrpcEdgeTransport.KeepAlivePingDelay + GrpcEdgeTransport.KeepAlivePingTimeout;
        Assert.True(dropped < bound + TimeSpan.FromSeconds(4), $"dropped after {dropped.TotalSeconds:F1} s (keepalive bound {bound.TotalSeconds:F0} s)");
        Assert.NotEmpty(during);
        Assert.All(during, r =>
        {
            Assert.Equal(AgentRoute.Fallback, r.Route);
            Assert.True(harness.Similarity(r) > 0.9999);
        });

        // Each request waited for the node's promise (admission within the plan's uplink + round trip, x2 + 25 ms),
        // not for the keepalive: its cost is that wait plus the local tail, a small multiple of all-local here.
        var median = AgentHarness.Median(during.Select(r => r.ActualMs));
        Assert.True(median <= AgentHarness.Median(local) * 3, $"median {median:F0} ms while silent vs all-local {AgentHarness.Median(local):F0} ms");
        // None waited for the keepalive to fail the connection (the bound below); a loaded machine may stall one
        // request for a good part of it, which the median above would not hide if it happened to many.
        Assert.All(during, r => Assert.True(r.ActualMs < bound.TotalMilliseconds, $"a request waited {r.ActualMs:F0} ms, as long as the keepalive: {r.Explain()}"));
    }

    [Fact]
    public async Task EmbedAsync_EdgeSilentFromTheStart_NeverConnectsAndEveryRequestStaysLocal()
    {
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accept = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    held.Add(await silent.AcceptTcpClientAsync(stop.Token));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        try
        {
            await using var local = harness.Agent(null);
            await using var agent = harness.Agent(new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"));
            await Task.WhenAll(local.StartAsync(), agent.StartAsync()).WaitAsync(AgentHarness.Timeout);

            var localMs = new List<double>();
            var silentMs = new List<double>();
            for (var i = 0; i < 30; i++)
            {
                var text = AgentHarness.Texts[i % AgentHarness.Texts.Length];
                localMs.Add((await local.EmbedAsync(text).WaitAsync(AgentHarness.Timeout)).ActualMs);
                var result = await agent.EmbedAsync(text).WaitAsync(AgentHarness.Timeout);
                Assert.True(harness.Similarity(result) > 0.9999);
                // Every request: planned local and never waited on the edge (no hedge, no failure to recover from).
                Assert.Equal(AgentRoute.Local, result.Route);
                Assert.False(result.Hedged);
                Assert.Equal(EdgeFailureKind.None, result.Failure);
                silentMs.Add(result.ActualMs);
            }

            // Ratios against local runs interleaved in the same process, so a busy machine slows both sides alike.
            var reference = AgentHarness.Median(localMs);
            Assert.True(AgentHarness.Median(silentMs) <= reference * 1.3, $"median {AgentHarness.Median(silentMs):F1} ms vs local {reference:F1} ms");
            // Per request: a request that waits on the silent edge (a probe, a connect, a lock) takes far longer
            // than any local run. One sample over the bound is allowed: a single stall of this shared machine (CI
            // once measured one 543 ms request among 51 ms local ones) says nothing about the agent, while a
            // recurring wait shows up in several.
            var slow = silentMs.Where(ms => ms > localMs.Max() * 2).ToList();
            Assert.True(slow.Count <= 1, $"{slow.Count} requests slower than twice the slowest local run ({localMs.Max():F1} ms): {string.Join(", ", slow.Select(ms => ms.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} ms");
            Assert.False(agent.EdgeAvailable);
        }
        finally
        {
            await stop.CancelAsync();
            silent.Stop();
            await accept;
            held.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task EmbedAsync_LinkDegradesThenRecovers_CutMovesLocalAndBackToEdge()
    {
        await using var gateway = await AgentHarness.StartGatewayAsync();
        await using var proxy = new ThrottlingProxy(gateway.EndPoint);
        await using var agent = harness.Agent(proxy.Address, o =>
        {
            // Short staleness so the test sees re-exploration within seconds, not minutes.
            o.Estimators.StaleAfter = TimeSpan.FromMilliseconds(300);
            // Stale figures decay toward the priors, and stale figures are re-measured only when the offload they
            // predict is within 4x of local. The default priors (a poor cellular link: 100 ms, 2 Mbit/s) predict
            // about 140 ms against this device's 10-40 ms, near that bound and on either side of it depending on
            // how busy the machine is; priors of a usable link keep the recovered link worth re-measuring on any.
            o.Estimators.RttPriorMs = 10;
            o.Estimators.ThroughputPriorBytesPerMs = 2_500;
            o.Estimators.StaleHalfLife = TimeSpan.FromMilliseconds(300);
            o.Planner.ExploreInterval = TimeSpan.FromMilliseconds(300);
            o.Planner.MaxExploreInterval = TimeSpan.FromMilliseconds(600);
        });
        await agent.StartAsync().WaitAsync(AgentHarness.Timeout);

        var fast = await RunUntilAsync(agent, r => r.Route == AgentRoute.Edge && r.Decision.Reason.StartsWith("lowest", StringComparison.Ordinal));
        Assert.True(fast.Cut < agent.StageCount);

        proxy.Shape(latencyMs: 40, bytesPerMs: 50);
        var slow = await RunUntilAsync(agent, r => r.Cut == agent.StageCount && r.Route == AgentRoute.Local);
        Assert.True(harness.Similarity(slow) > 0.9999);

        proxy.Shape(latencyMs: 0, bytesPerMs: 0);
        var recovered = await RunUntilAsync(agent, r => r.Route == AgentRoute.Edge && r.Decision.Reason.StartsWith("lowest", StringComparison.Ordinal));
        Assert.True(recovered.Cut < agent.StageCount);
    }

    [Fact]
    public async Task EmbedAsync_EdgeRestarts_BreakerClosesAndTrafficReturnsWithoutAgentRestart()
    {
        await using var gateway = await AgentHarness.StartGatewayAsync();
        await using var agent = harness.Agent(gateway.Address);
        await agent.StartAsync().WaitAsync(AgentHarness.Timeout);
        await RunUntilAsync(agent, r => r.Route == AgentRoute.Edge);

        gateway.Kill();
        var down = await RunUntilAsync(agent, r => r.Route == AgentRoute.Local && !agent.EdgeAvailable);
        Assert.True(harness.Similarity(down) > 0.9999);

        await gateway.RestartAsync(AgentHarness.Timeout);
        var back = await RunUntilAsync(agent, r => r.Route == AgentRoute.Edge);
        Assert.True(agent.EdgeAvailable);
        Assert.True(harness.Similarity(back) > 0.999);
    }

    /// <summary>Embeds texts until one result satisfies <paramref name="done"/>; bounded in count and time, every result checked.</summary>
    private async Task<AgentResult> RunUntilAsync(SplitAgent agent, Func<AgentResult, bool> done, int maxRequests = 400)
    {
        var deadline = DateTime.UtcNow + AgentHarness.Timeout;
        var recent = new Queue<AgentResult>();
        for (var i = 0; i < maxRequests && DateTime.UtcNow < deadline; i++)
        {
            var result = await agent.EmbedAsync(AgentHarness.Texts[i % AgentHarness.Texts.Length]).WaitAsync(AgentHarness.Timeout);
            recent.Enqueue(result);
            if (recent.Count > 4)
            {
                recent.Dequeue();
            }

            Assert.True(harness.Similarity(result) > 0.999, $"{result.RouteName}: similarity {harness.Similarity(result)}");
            if (done(result))
            {
                return result;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"condition not reached within {maxRequests} requests / {AgentHarness.Timeout.TotalSeconds:F0} s; last: "
            + string.Join(" | ", recent.Select(r => r.Explain())));
    }
}
