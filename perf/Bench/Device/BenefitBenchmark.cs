using System.Diagnostics;
using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Energy;
using EdgeSplit.DeviceAgent.Execution;
using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Scenarios;
using EdgeSplit.Scenarios.Fleet;
using EdgeSplit.Scenarios.Links;
using EdgeSplit.Scenarios.Processes;

namespace EdgeSplit.Bench.Device;

/// <summary>
/// The benefit table (Neurosurgeon's, for this system): for one device class on one link and one text length, every
/// policy — auto (latency), auto (energy), all-local and every fixed cut (cut 1 is full offload: token ids never
/// leave the phone by default) — each in its own agent with its own connection through the link's emulation, used
/// in turn request by request in one run so machine noise hits all alike. The edge is a real process running ONNX
/// Runtime; the phone's compute is the real activations replayed after the class's time (this machine's measured
/// per-stage cost x the class's factor); its energy is the agent's own account (<see cref="DeviceSpend"/>).
/// Then, for cells where the plan offloads, the edge's faults: SIGKILL and a blackholed host mid-request.
/// </summary>
internal sealed class BenefitBenchmark(SplitModel model, GatewayProcess gateway, ReplayCorpus corpus, IReadOnlyList<LinearStageCost> profile)
{
    /// <summary>Policy names as they appear in the table.</summary>
    public const string AutoLatency = "auto-latency";

    public const string AutoEnergy = "auto-energy";

    public const string Local = "local";

    public async Task<IReadOnlyList<BenefitRow>> RunCellAsync(
        DeviceClass phone, LinkProfile link, string length, IReadOnlyList<string> texts, int warmup, int rounds, CancellationToken cancellationToken)
    {
        await using var proxy = new ThrottlingProxy(gateway.EndPoint);
        proxy.Shape(link);
        var n = model.StageCount;
        var policies = new List<(string Name, int? Cut, SplitAgent Agent)>
        {
            (AutoLatency, null, Agent(proxy.Address, phone, link, PlanObjective.Latency)),
            (AutoEnergy, null, Agent(proxy.Address, phone, link, PlanObjective.Energy)),
            (Local, n, Agent(proxy.Address, phone, link, PlanObjective.Latency)),
        };
        policies.AddRange(Enumerable.Range(1, n - 1).Select(k => ($"cut {k}", (int?)k, Agent(proxy.Address, phone, link, PlanObjective.Latency))));
        try
        {
            foreach (var policy in policies)
            {
                await policy.Agent.StartAsync(cancellationToken);
            }

            var results = policies.ToDictionary(p => p.Name, _ => new List<AgentResult>());
            var random = new Random(HashCode.Combine(phone.Name, link.Name, length));
            for (var round = 0; round < warmup + rounds; round++)
            {
                var text = texts[round % texts.Count];
                foreach (var (name, cut, agent) in policies.OrderBy(_ => random.Next()))
                {
                    var result = await agent.EmbedAsync(text, cut, cancellationToken);
                    if (round >= warmup)
                    {
                        results[name].Add(result);
                    }
                }
            }

            return policies.Select(p => BenefitRow.From(phone.Name, link.Name, length, p.Name, p.Cut, results[p.Name], n)).ToList();
        }
        finally
        {
            foreach (var (_, _, agent) in policies)
            {
                await agent.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Faults under an in-flight request the plan sent at <paramref name="cut"/>: the edge process SIGKILLed, or its
    /// host blackholed (nothing forwarded, nothing closed). Each trial measures when the device's edge call ended
    /// (the failure noticed), the request's latency, and the same phone's all-local latency just before.
    /// </summary>
    public async Task<IReadOnlyList<FaultTrial>> RunFaultsAsync(
        DeviceClass phone, LinkProfile link, string length, string text, int cut, FaultKind fault, int trials, CancellationToken cancellationToken)
    {
        var results = new List<FaultTrial>();
        await using var proxy = new ThrottlingProxy(gateway.EndPoint);
        proxy.Shape(link);
        var timing = new TimingTransport(new GrpcEdgeTransport(proxy.Address));
        await using var agent = Agent(timing, phone, link, PlanObjective.Latency);
        await agent.StartAsync(cancellationToken);
        for (var trial = 0; trial < trials; trial++)
        {
            await WaitAsync(() => agent.EdgeAvailable, TimeSpan.FromSeconds(60));
            var local = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                local.Add((await agent.EmbedAsync(text, model.StageCount, cancellationToken)).ActualMs);
                await agent.EmbedAsync(text, cut, cancellationToken);
            }

            var onWire = proxy.ArmRequestTrigger(1024);
            var inFlight = agent.EmbedAsync(text, cut, cancellationToken);
            await onWire.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            // Into the edge's stay: the request is queued or computing there when the fault strikes.
            await Task.Delay(TimeSpan.FromMilliseconds(link.RttMs / 2), cancellationToken);
            timing.Reset();
            var faultAt = Stopwatch.GetTimestamp();
            if (fault == FaultKind.Kill)
            {
                gateway.Kill();
            }
            else
            {
                proxy.Blackholed = true;
            }

            var result = await inFlight.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            var noticedMs = await timing.FailedAfterAsync(faultAt, TimeSpan.FromSeconds(30));
            results.Add(new FaultTrial(phone.Name, link.Name, length, fault, cut, result.Route, result.ActualMs, Statistics.Median(local), noticedMs, link.RttMs));
            if (fault == FaultKind.Kill)
            {
                await gateway.RestartAsync(TimeSpan.FromSeconds(60));
            }
            else
            {
                proxy.Blackholed = false;
                proxy.DropConnections();
            }
        }

        return results;
    }

    private SplitAgent Agent(Uri address, DeviceClass phone, LinkProfile link, PlanObjective objective) =>
        Agent(new GrpcEdgeTransport(address), phone, link, objective);

    private SplitAgent Agent(IEdgeTransport transport, DeviceClass phone, LinkProfile link, PlanObjective objective)
    {
        var scaled = profile.Select(c => new LinearStageCost(c.FixedMs * phone.SpeedFactor, c.PerTokenMs * phone.SpeedFactor)).ToArray();
        var options = new DeviceAgentOptions();
        options.Planner.Objective = objective;
        options.Planner.Power.DeviceComputeWatts = phone.ComputeWatts;
        options.Planner.Power.Radio = RadioPower.Named(link.Radio);
        // Back quickly after a fault: the benchmark restarts the edge within seconds.
        options.Resilience.ProbeInitialDelay = TimeSpan.FromMilliseconds(100);
        options.Resilience.ProbeMaxDelay = TimeSpan.FromMilliseconds(500);
        return new SplitAgent(model, transport, Microsoft.Extensions.Options.Options.Create(options), compute: new ReplayCompute(corpus, scaled, TimeProvider.System));
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < timeout)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>The real transport, recording when a call last failed: the moment the device learnt of a fault.</summary>
    private sealed class TimingTransport(IEdgeTransport inner) : IEdgeTransport
    {
        private TaskCompletionSource<long> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool ReportsAcceptance => inner.ReportsAcceptance;

        public void Reset() => _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<double> FailedAfterAsync(long since, TimeSpan timeout)
        {
            try
            {
                var at = await _failed.Task.WaitAsync(timeout);
                return Stopwatch.GetElapsedTime(since, at).TotalMilliseconds;
            }
            catch (TimeoutException)
            {
                return double.NaN;
            }
        }

        public Task<EdgeManifest> GetManifestAsync(CancellationToken cancellationToken) => inner.GetManifestAsync(cancellationToken);

        public Task<EdgeAnswer> InferAsync(EdgeRequest request, CancellationToken cancellationToken) => InferAsync(request, static _ => { }, cancellationToken);

        public async Task<EdgeAnswer> InferAsync(EdgeRequest request, Action<EdgeAcceptance> accepted, CancellationToken cancellationToken)
        {
            try
            {
                return await inner.InferAsync(request, accepted, cancellationToken);
            }
            catch (Exception)
            {
                _failed.TrySetResult(Stopwatch.GetTimestamp());
                throw;
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>Which fault the edge suffers in a fault trial.</summary>
internal enum FaultKind
{
    /// <summary>The edge process is SIGKILLed; its kernel closes its connections.</summary>
    Kill,

    /// <summary>The edge's host goes silent: nothing forwarded either way, no connection closed.</summary>
    Blackhole,
}

/// <summary>One fault trial: the request's route and latency, the all-local latency beside it, and when the device noticed.</summary>
internal sealed record FaultTrial(
    string DeviceClass, string Link, string Length, FaultKind Fault, int Cut, AgentRoute Route, double LatencyMs, double LocalMs, double NoticedMs, double RttMs)
{
    /// <summary>Latency over the same phone's all-local latency.</summary>
    public double Ratio => LatencyMs / LocalMs;
}
