using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Energy;
using EdgeSplit.DeviceAgent.Execution;
using EdgeSplit.DeviceAgent.Observability;
using EdgeSplit.DeviceAgent.Planning;

namespace EdgeSplit.Scenarios.Fleet;

/// <summary>
/// Runs N simulated phones against an edge or router. Each phone is a full <see cref="SplitAgent"/> — its own
/// planner, cost model, circuit breaker and gRPC connection — whose device compute is replayed
/// (<see cref="ReplayCompute"/>), while everything on the network and the edge is real. Each phone's link (from
/// <see cref="FleetOptions.Links"/>) is emulated by its own <see cref="ThrottlingProxy"/> in front of the edge:
/// real bytes, real delays, and the phone's planner measures them like any other link.
/// </summary>
internal sealed class FleetRunner(SplitModel model, FleetOptions options, IAnsiConsole console, OutageLog? outages = null, DeviceTelemetry? telemetry = null)
{
    private readonly ConcurrentQueue<FleetSample> _samples = new();
    private readonly Stopwatch _clock = new();

    /// <summary>Seconds since the phones started sending (the report's time axis).</summary>
    public double ElapsedSeconds => _clock.Elapsed.TotalSeconds;

    public async Task<FleetResult> RunAsync(CancellationToken cancellationToken)
    {
        if (options.Devices < 1 || options.RequestsPerSecond <= 0 || options.Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException("a fleet needs at least one device, a positive rate and a positive duration.");
        }

        console.MarkupLine($"[grey]preparing: real activations of {FleetCorpus.Load().Count} corpus sentences at every cut, and this machine's per-stage cost[/]");
        var corpus = new ReplayCorpus(model, FleetCorpus.Load());
        var profile = MeasureProfile();
        var upstream = options.Links.Shapes ? await ResolveAsync(options.Edge, cancellationToken) : null;
        var agents = new List<(SplitAgent Agent, FleetPhone Phone, LinearStageCost[] Costs)>();
        var proxies = new List<ThrottlingProxy>();
        try
        {
            for (var i = 0; i < options.Devices; i++)
            {
                var phone = new FleetPhone(i, DeviceClass.For(i, options.Devices, options.Mix), options.Links.For(i, options.Devices));
                var scaled = profile.Select(c => new LinearStageCost(c.FixedMs * phone.Class.SpeedFactor, c.PerTokenMs * phone.Class.SpeedFactor)).ToArray();
                var address = options.Edge;
                if (phone.Link.Shapes)
                {
                    var proxy = new ThrottlingProxy(upstream!, seed: ThrottlingProxy.Seed(options.Seed, i));
                    proxies.Add(proxy);
                    proxy.Shape(phone.Link);
                    address = proxy.Address;
                }

                var transport = new GrpcEdgeTransport(address, deviceId: $"phone-{i:D4}");
                var agentOptions = new DeviceAgentOptions();
                agentOptions.Resilience.Hedge = options.Hedge;
                agentOptions.Planner.Power.DeviceComputeWatts = phone.Class.ComputeWatts;
                agentOptions.Planner.Power.Radio = RadioPower.Named(phone.Link.Radio);
                var agent = new SplitAgent(model, transport, Microsoft.Extensions.Options.Options.Create(agentOptions), telemetry: telemetry, compute: new ReplayCompute(corpus, scaled, TimeProvider.System));
                agents.Add((agent, phone, scaled));
            }

            console.MarkupLine(options.Ramp > TimeSpan.Zero
                ? $"[grey]phones join {options.Edge} over {options.Ramp.TotalSeconds:0.#} s: {options.Devices} in all[/]"
                : $"[grey]connecting {options.Devices} phones to {options.Edge}[/]");
            _clock.Start();
            using var progress = new CancellationTokenSource();
            var reporter = ReportProgressAsync(progress.Token);
            var phones = agents.Select(a => JoinAsync(a.Agent, a.Phone, a.Costs, corpus, cancellationToken)).ToList();
            await Task.WhenAll(phones);
            await progress.CancelAsync();
            await reporter;
        }
        finally
        {
            foreach (var (agent, _, _) in agents)
            {
                await agent.DisposeAsync();
            }

            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }
        }

        var samples = _samples.OrderBy(s => s.AtSeconds).ToList();
        var spans = outages?.Close(ElapsedSeconds) ?? [];
        var duration = options.Duration.TotalSeconds;
        var counted = samples.Where(s => s.AtSeconds >= options.WarmUpSeconds).ToList();
        var fleet = agents.Select(a => a.Phone).ToList();
        var summary = options.ReportDirectory is null
            ? FleetSummarizer.Summarize(counted, spans, fleet, duration - options.WarmUpSeconds)
            : FleetReportWriter.Write(options.ReportDirectory, samples, counted, spans, fleet, duration - options.WarmUpSeconds, options.Title);
        return new FleetResult(samples, spans, summary);
    }

    private LinearStageCost[] MeasureProfile()
    {
        // This machine's per-stage cost, fitted like the agent's own start-up profile; the phone classes scale it.
        return DeviceProfiler.ProfileAsync(new LocalExecutor(model), model, [8, 24, 48], 3, CancellationToken.None).GetAwaiter().GetResult().Costs;
    }

    /// <summary>The edge's address for the link proxies (an http:// URL; a host name is resolved once, IPv4 first).</summary>
    private static async Task<IPEndPoint> ResolveAsync(Uri edge, CancellationToken cancellationToken)
    {
        if (edge.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"link emulation needs an http:// edge (the link proxy sits on 127.0.0.1 and would break TLS host checks); use --links none for {edge}.");
        }

        if (!IPAddress.TryParse(edge.DnsSafeHost, out var address))
        {
            var addresses = await Dns.GetHostAddressesAsync(edge.DnsSafeHost, cancellationToken);
            address = addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
                ?? throw new ArgumentException($"the edge host '{edge.DnsSafeHost}' has no address.");
        }

        return new IPEndPoint(address, edge.Port);
    }

    /// <summary>
    /// Phone <paramref name="phone"/> joins at its slot of the ramp (evenly spaced), connects, then sends. A whole
    /// fleet connecting in one instant measures its own thundering herd: every phone's first link and edge
    /// samples would be taken under a burst no real fleet makes, and its planner would start from them.
    /// </summary>
    private async Task JoinAsync(SplitAgent agent, FleetPhone phone, LinearStageCost[] costs, ReplayCorpus corpus, CancellationToken cancellationToken)
    {
        var slot = options.Ramp * phone.Index / options.Devices - _clock.Elapsed;
        if (slot > TimeSpan.Zero)
        {
            await Task.Delay(slot, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        await agent.StartAsync(cancellationToken);
        await PhoneAsync(agent, phone, costs, corpus, cancellationToken);
    }

    private async Task PhoneAsync(SplitAgent agent, FleetPhone phone, LinearStageCost[] costs, ReplayCorpus corpus, CancellationToken cancellationToken)
    {
        // A seed that is the same in every process (HashCode.Combine is not), so --seed repeats a run's arrivals.
        var random = new Random(ThrottlingProxy.Seed(options.Seed, phone.Index, 1));
        var pending = new List<Task>();
        var next = ElapsedSeconds + (-Math.Log(1 - random.NextDouble()) / options.RequestsPerSecond);
        while (next < options.Duration.TotalSeconds && !cancellationToken.IsCancellationRequested)
        {
            var wait = next - ElapsedSeconds;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            var text = corpus.Texts[random.Next(corpus.Texts.Count)];
            var tokens = corpus.Find(text).Tokens.Sequence;
            var localMs = costs.Sum(c => c.At(tokens));
            pending.Add(OneRequestAsync(agent, phone, text, localMs, cancellationToken));
            pending.RemoveAll(t => t.IsCompleted);
            next += -Math.Log(1 - random.NextDouble()) / options.RequestsPerSecond;
        }

        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(options.Drain);
        await Task.WhenAll(pending).WaitAsync(drain.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task OneRequestAsync(SplitAgent agent, FleetPhone phone, string text, double localMs, CancellationToken cancellationToken)
    {
        var started = ElapsedSeconds;
        try
        {
            var result = await agent.EmbedAsync(text, options.FixedCut, cancellationToken);
            var ok = result.Embedding.Length > 0;
            _samples.Enqueue(new FleetSample(ElapsedSeconds, result.ActualMs, result.RouteName, result.Cut, ok, result.EdgeLoad?.QueueDepth ?? 0, phone.Class.Name)
            {
                Link = phone.Link.Name,
                LocalMs = localMs,
                Spend = result.Spend,
                Why = result.Decision.Reason.Split(':')[0],
            });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Must not happen (the agent always has the local route); counted as a failure if it does.
            _samples.Enqueue(new FleetSample(ElapsedSeconds, (ElapsedSeconds - started) * 1000, "failed", -1, false, 0, phone.Class.Name)
            {
                Link = phone.Link.Name,
                LocalMs = localMs,
            });
        }
    }

    private async Task ReportProgressAsync(CancellationToken cancellationToken)
    {
        var seen = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var all = _samples.ToArray();
            var recent = all.Skip(seen).ToList();
            seen = all.Length;
            var p99 = recent.Count == 0 ? 0 : recent.Select(s => s.LatencyMs).Order().ElementAt((int)Math.Ceiling(0.99 * recent.Count) - 1);
            var routes = string.Join(' ', new[] { "edge", "local", "fallback" }.Select(r => $"{r}={recent.Count(s => s.Route == r)}"));
            var failed = all.Count(s => !s.Succeeded);
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"[grey]{ElapsedSeconds,5:F0}s[/] total {all.Length,6}  failed [{(failed == 0 ? "green" : "red")}]{failed}[/]  last 1 s: {recent.Count,4} req  {routes}  p99 {p99,6:F1} ms"));
        }
    }
}
