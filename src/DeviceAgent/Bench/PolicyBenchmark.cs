using System.Diagnostics;
using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Execution;
using EdgeSplit.Inference.Runtime;
using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Bench;

/// <summary>
/// Policy quality: in each scenario, the auto policy against every fixed cut (including always-local and
/// always-offload), each in its own agent, interleaved request by request in one run so machine noise hits all
/// policies alike;
/// then the latency of requests whose edge process is killed while they are in flight.
/// </summary>
internal sealed class PolicyBenchmark(SplitModel model, GatewayProcess gateway, Func<Uri, IEdgeTransport> transports)
{
    private static readonly string[] Texts =
    [
        "set an alarm for six thirty tomorrow morning",
        "what is the weather going to be like in lisbon this weekend",
        "remind me to call the plumber about the leaking kitchen tap after lunch",
        "translate 'where is the nearest train station' into german",
        "summarise the three unread messages from my sister and tell me if any of them needs an answer today",
        "play something calm",
        "how long does it take to cycle from the harbour to the old town if i avoid the hills",
        "add oat milk, lemons and two kinds of bread to the shopping list",
    ];

    public async Task<IReadOnlyList<PolicyResult>> RunScenarioAsync(ThrottlingProxy proxy, PolicyScenario scenario, int warmup, int rounds, CancellationToken cancellationToken)
    {
        proxy.Shape(scenario.LatencyMs, scenario.BytesPerMs);
        using var load = new CancellationTokenSource();
        var background = Enumerable.Range(0, scenario.BackgroundClients).Select(_ => LoadLoopAsync(gateway.Address, load.Token)).ToArray();
        try
        {
            // One agent (own connection, own estimators) per policy, each used once per round: a connection used
            // more often stays warmer, which earlier showed as ~15% between two agents running the same plan.
            var n = model.StageCount;
            var policies = new List<(string Name, int? Cut, SplitAgent Agent)>();
            var transports = new List<IEdgeTransport>();
            foreach (var (name, cut) in new (string, int?)[] { ("auto", null), ("local", n) }.Concat(Enumerable.Range(1, n - 1).Select(k => ($"cut {k}", (int?)k))))
            {
                policies.Add((name, cut, Agent(proxy.Address, scenario.DeviceSlowdown, out var transport)));
                transports.Add(transport);
            }

            try
            {
                // One at a time: nine device profiles and connection warm-ups at once on one core would give every
                // agent a distorted first impression of device and edge.
                foreach (var policy in policies)
                {
                    await policy.Agent.StartAsync(cancellationToken);
                }
                var samples = policies.ToDictionary(p => p.Name, _ => new List<double>());
                var routes = policies.ToDictionary(p => p.Name, _ => new Dictionary<AgentRoute, int>());
                var cuts = policies.ToDictionary(p => p.Name, _ => new Dictionary<string, int>());
                var random = new Random(42);
                for (var round = 0; round < warmup + rounds; round++)
                {
                    var text = Texts[round % Texts.Length];
                    foreach (var (name, cut, agent) in policies.OrderBy(_ => random.Next()))
                    {
                        var result = await agent.EmbedAsync(text, cut, cancellationToken);
                        if (round >= warmup)
                        {
                            samples[name].Add(result.ActualMs);
                            routes[name][result.Route] = routes[name].GetValueOrDefault(result.Route) + 1;
                            var plan = result.Cut == model.StageCount ? "local" : $"{result.Cut}/{result.Encoding}";
                            cuts[name][plan] = cuts[name].GetValueOrDefault(plan) + 1;
                        }
                    }
                }

                return policies.Select(p => new PolicyResult(scenario.Name, p.Name, p.Cut, Median(samples[p.Name]), routes[p.Name]) { Cuts = cuts[p.Name] }).ToList();
            }
            finally
            {
                foreach (var (_, _, agent) in policies)
                {
                    await agent.DisposeAsync();
                }

                foreach (var transport in transports)
                {
                    await transport.DisposeAsync();
                }
            }
        }
        finally
        {
            await load.CancelAsync();
            await Task.WhenAll(background);
        }
    }

    /// <summary>
    /// Kills the edge process while an offloaded request is on the wire; returns (fallback ms, local median ms)
    /// per trial. With <paramref name="resetFirst"/> the proxy also resets the connection at that moment, as
    /// the device sees a dead host's kernel answer: the process kill alone becomes visible only once the
    /// dying process has been torn down (tens of ms for a 200 MB process on a busy 2-core machine).
    /// </summary>
    public async Task<IReadOnlyList<(double FallbackMs, double LocalMs, AgentRoute Route, double KilledAtMs)>> RunEdgeDeathAsync(
        ThrottlingProxy proxy, double slowdown, int trials, bool resetFirst, CancellationToken cancellationToken)
    {
        proxy.Shape(0, 0);
        var results = new List<(double, double, AgentRoute, double)>();
        await using var agent = Agent(proxy.Address, slowdown, out var transport);
        await using (transport)
        {
            await agent.StartAsync(cancellationToken);
            for (var trial = 0; trial < trials; trial++)
            {
                var text = Texts[trial % Texts.Length];
                await WaitAsync(() => agent.EdgeAvailable, TimeSpan.FromSeconds(30));
                var local = new List<double>();
                for (var i = 0; i < 6; i++)
                {
                    // Interleave local runs with offloaded ones so the auto plan stays warm and measured.
                    local.Add((await agent.EmbedAsync(text, model.StageCount, cancellationToken)).ActualMs);
                    await agent.EmbedAsync(text, 1, cancellationToken);
                }

                var onWire = proxy.ArmRequestTrigger(2048);
                var clock = Stopwatch.StartNew();
                var inFlight = agent.EmbedAsync(text, 1, cancellationToken);
                await onWire.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                if (resetFirst)
                {
                    proxy.DropConnections();
                }

                gateway.Kill();
                var killedAt = clock.Elapsed.TotalMilliseconds;
                var result = await inFlight.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                results.Add((result.ActualMs, Median(local), result.Route, killedAt));
                await gateway.RestartAsync(TimeSpan.FromSeconds(60));
            }
        }

        return results;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private SplitAgent Agent(Uri address, double slowdown, out IEdgeTransport transport)
    {
        transport = transports(address);
        var options = new DeviceAgentOptions { DeviceSlowdown = slowdown };
        // Re-probe quickly after an outage: the benchmark restarts the edge within seconds.
        options.Resilience.ProbeInitialDelay = TimeSpan.FromMilliseconds(100);
        options.Resilience.ProbeMaxDelay = TimeSpan.FromMilliseconds(500);
        return new SplitAgent(model, transport, Options.Create(options));
    }

    private async Task LoadLoopAsync(Uri edge, CancellationToken cancellationToken)
    {
        // Background clients go straight to the edge (not through the device's link) with long inputs.
        await using var transport = transports(edge);
        var tokens = model.Tokenize([string.Join(' ', Texts)]);
        var activation = model.RunHead(tokens, 1);
        var id = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await transport.InferAsync(new EdgeRequest($"load-{id++}", 1, null, activation, WireEncoding.F16), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (EdgeException)
            {
                await Task.Delay(5, CancellationToken.None);
            }
        }
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < timeout)
        {
            await Task.Delay(50);
        }
    }
}
