using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Energy;
using EdgeSplit.DeviceAgent.Observability;
using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.DeviceAgent.Resilience;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// The device agent: plans a cut per request, runs the head locally, offloads the rest to the edge with
/// a deadline and a hedge, and resumes locally from the cut tensor on any failure. Every request gets
/// exactly one answer.
/// </summary>
public sealed class SplitAgent : IAsyncDisposable
{
    private readonly SplitModel _model;
    private readonly DeviceAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MeasuredCompute _local;
    private readonly LinkEstimator _link;
    private readonly EdgeCostEstimator _edgeCost;
    private readonly SplitPlanner _planner;
    private readonly EdgeClient? _edge;
    private readonly DeviceTelemetry? _telemetry;
    private readonly EnergyMeter _energy;
    private readonly Lock _startLock = new();
    private Task? _started;
    private DeviceCostModel? _deviceCost;
    private long _sequence;
    private readonly Lock _exploreLock = new();
    private double _exploreIntervalMs;

    /// <summary>
    /// Creates an agent; <paramref name="edge"/> null means device-only; <paramref name="compute"/> null runs the
    /// device's stages on this machine (<see cref="LocalExecutor"/>). Call <see cref="StartAsync"/> (or just embed).
    /// </summary>
    public SplitAgent(
        SplitModel model,
        IEdgeTransport? edge,
        IOptions<DeviceAgentOptions> options,
        TimeProvider? time = null,
        ILoggerFactory? loggers = null,
        DeviceTelemetry? telemetry = null,
        IDeviceCompute? compute = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var validated = options.Value;
        DeviceAgentOptionsValidator.ThrowIfInvalid(validated);
        _model = model;
        _options = validated;
        _time = time ?? TimeProvider.System;
        loggers ??= NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<SplitAgent>();
        _local = new MeasuredCompute(compute ?? new LocalExecutor(model), model.StageCount);
        _link = new LinkEstimator(validated.Estimators, _time);
        _edgeCost = new EdgeCostEstimator(validated.Estimators, _time);
        _planner = new SplitPlanner(validated.Planner);
        _edge = edge is null
            ? null
            : new EdgeClient(edge, validated.Resilience, _link, _edgeCost, _time, loggers.CreateLogger<EdgeClient>(), model.ModelHash, model.StageCount);
        _telemetry = telemetry;
        _energy = new EnergyMeter(validated.Planner.Power, _time);
        _exploreIntervalMs = validated.Planner.ExploreInterval.TotalMilliseconds;
        telemetry?.ObserveBreaker(() => _edge is { IsAvailable: false });
    }

    /// <summary>Number of stages N of the model (cut N is all-local).</summary>
    public int StageCount => _model.StageCount;

    /// <summary>Whether the planner may use the edge right now (connected and circuit closed).</summary>
    public bool EdgeAvailable => _edge?.IsAvailable ?? false;

    /// <summary>The device cost model's start-up profile (available after start).</summary>
    public IReadOnlyList<LinearStageCost> DeviceProfile => _deviceCost?.Profile ?? [];

    internal EdgeClient? Edge => _edge;

    /// <summary>Profiles the device and connects to the edge (concurrently). Idempotent.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_startLock)
        {
            return _started ??= StartCoreAsync(cancellationToken);
        }
    }

    /// <summary>Embeds one text, planning the cut (or using <paramref name="cut"/>: 0..N, N = local).</summary>
    public async Task<AgentResult> EmbedAsync(string text, int? cut = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        await StartAsync(cancellationToken);
        var started = _time.GetTimestamp();
        var id = $"{Environment.ProcessId:x}-{Interlocked.Increment(ref _sequence)}";
        // The span is current while the edge call runs, so its traceparent joins the edge's span.
        using var activity = DeviceTelemetry.Source.StartActivity("edgesplit.device.embed");
        var tokens = _model.Tokenize([text]);
        var decision = Plan(tokens.Sequence, cut);
        var chosen = decision.Chosen;

        float[] embedding;
        var route = AgentRoute.Local;
        var hedged = false;
        var failure = EdgeFailureKind.None;
        long bytesSent = 0;
        EdgeLoad? edgeLoad = null;
        var compute = new ComputeClock(_time);
        var offloaded = _time.GetTimestamp();
        if (chosen.IsLocal)
        {
            embedding = await compute.HeadAsync(() => _local.FullAsync(tokens, cancellationToken));
        }
        else
        {
            (embedding, route, hedged, failure, bytesSent, edgeLoad) = await OffloadAsync(id, tokens, decision, started, compute, cancellationToken);
        }

        var actual = _time.GetElapsedTime(started).TotalMilliseconds;
        var spend = Spend(route, hedged, decision, compute, bytesSent, offloaded);
        var result = new AgentResult(id, text, embedding, chosen.Cut, chosen.Encoding, route, chosen.LatencyMs, actual, hedged, failure, decision) { EdgeLoad = edgeLoad, Spend = spend };
        _telemetry?.Answered(result.RouteName, chosen.Cut, chosen.LatencyMs, actual, bytesSent);
        _telemetry?.Spent(result.RouteName, spend);
        activity?.SetTag("edgesplit.cut", chosen.Cut);
        activity?.SetTag("edgesplit.route", result.RouteName);
        activity?.SetTag("edgesplit.predicted_ms", chosen.LatencyMs);
        AgentLog.Answered(_logger, id, tokens.Sequence, chosen.Cut, chosen.Encoding.ToString(), chosen.LatencyMs, actual, result.RouteName, decision.Reason);
        return result;
    }

    /// <summary>Plans without running: what the agent would do for a text now.</summary>
    public async Task<PlanDecision> PlanAsync(string text, int? cut = null, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        return Plan(_model.Tokenize([text]).Sequence, cut);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_edge is not null)
        {
            await _edge.DisposeAsync();
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var connect = _edge?.ConnectAsync(cancellationToken) ?? Task.CompletedTask;
        var (costs, ms) = _local.Inner.KnownProfile is { } known
            ? ([.. known], 0.0)
            : await DeviceProfiler.ProfileAsync(_local.Inner, _model, _options.ProfileLengths, _options.ProfileRepeats, cancellationToken);
        _deviceCost = new DeviceCostModel(costs, _options.Estimators.Alpha);
        _local.CostModel = _deviceCost;
        AgentLog.Profiled(_logger, ms, DeviceProfiler.Summarize(costs));
        await connect;
    }

    private PlanDecision Plan(int tokens, int? cut)
    {
        var device = _deviceCost!.Predict(tokens);
        var manifest = _edge?.Manifest;
        var link = _link.Snapshot();
        var edge = _edgeCost.Snapshot(tokens, device);
        var exploreDue = _edge is not null && _edge.SinceLastAttempt >= ExploreInterval;
        var context = new PlanContext(
            tokens,
            _model.HiddenSize,
            device,
            edge,
            link,
            _edge?.IsAvailable ?? false,
            manifest?.AcceptsTokenIds ?? false,
            manifest?.Encodings,
            exploreDue,
            Math.Min(link.Confidence, edge.Confidence) < 0.5,
            _energy.RadioTailLeftMs);
        var decision = _planner.Plan(context, cut == _model.StageCount ? null : cut);
        if (cut is null)
        {
            BackOffExploration(decision);
        }

        return cut == _model.StageCount ? decision with { Chosen = decision.Local, Reason = "fixed: local" } : decision;
    }

    private TimeSpan ExploreInterval
    {
        get
        {
            lock (_exploreLock)
            {
                return TimeSpan.FromMilliseconds(_exploreIntervalMs);
            }
        }
    }

    /// <summary>
    /// Every exploration doubles the wait before the next one, up to <see cref="PlannerOptions.MaxExploreInterval"/>;
    /// an offload on its merits resets it: an edge that keeps not paying off is re-measured ever more rarely.
    /// </summary>
    private void BackOffExploration(PlanDecision decision)
    {
        lock (_exploreLock)
        {
            var initial = _options.Planner.ExploreInterval.TotalMilliseconds;
            if (decision.Explores)
            {
                _exploreIntervalMs = Math.Min(_exploreIntervalMs * 2, Math.Max(initial, _options.Planner.MaxExploreInterval.TotalMilliseconds));
            }
            else if (!decision.Chosen.IsLocal)
            {
                _exploreIntervalMs = initial;
            }
        }
    }

    /// <summary>
    /// What the request cost the phone: the compute the clock measured, the bytes, and the radio from the moment the
    /// cut tensor was ready to the reply (or, when the edge failed before a local tail started, to that tail's start).
    /// The all-local counterfactual is the cost model's full-model prediction, or what the request did cost when it
    /// ran all-local anyway.
    /// </summary>
    private DeviceSpend Spend(AgentRoute route, bool hedged, PlanDecision decision, ComputeClock compute, long bytesUp, long offloaded)
    {
        if (route == AgentRoute.Local)
        {
            return _energy.Charge(RequestUsage.Local(compute.HeadMs, compute.HeadMs));
        }

        var now = _time.GetTimestamp();
        var bytesDown = route == AgentRoute.Edge ? WireSize.Reply(_model.HiddenSize) : 0;
        var radioUntil = route == AgentRoute.Fallback && !hedged ? compute.TailStartedAt ?? now : now;
        return _energy.Charge(new RequestUsage(
            compute.HeadMs,
            compute.TailMs,
            bytesUp,
            bytesDown,
            _link.Snapshot().BytesPerMs,
            compute.HeadEndedAt ?? offloaded,
            radioUntil,
            hedged ? compute.TailMs : 0,
            decision.Local.DeviceMs));
    }

    private async Task<(float[] Embedding, AgentRoute Route, bool Hedged, EdgeFailureKind Failure, long BytesSent, EdgeLoad? Load)> OffloadAsync(
        string id, TokenBatch tokens, PlanDecision decision, long started, ComputeClock compute, CancellationToken cancellationToken)
    {
        var chosen = decision.Chosen;
        var cut = chosen.Cut;
        var activation = cut == 0 ? null : await compute.HeadAsync(() => _local.HeadAsync(tokens, cut, cancellationToken));

        // The one local continuation: from the cut tensor (or, for cut 0, the tokens). Stages [0,cut) are never rerun.
        Func<CancellationToken, Task<float[]>> tail = activation is null
            ? stop => compute.TailAsync(s => _local.FullAsync(tokens, s), stop)
            : stop => compute.TailAsync(s => _local.TailAsync(activation, s), stop);

        var budget = _options.Resilience.LatencyBudget - _time.GetElapsedTime(started);
        var timeout = budget > _options.Resilience.MinEdgeTimeout ? budget : _options.Resilience.MinEdgeTimeout;
        var request = new EdgeRequest(id, cut, cut == 0 ? tokens : null, activation, chosen.Encoding, timeout);
        var accepted = new TaskCompletionSource<EdgeAcceptance>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = _time.GetTimestamp();
        var edgeTask = _edge!.InferAsync(request, timeout, tokens.Sequence, _deviceCost!.Predict(tokens.Sequence), a => accepted.TrySetResult(a), cancellationToken);

        if (!await KeptPromiseAsync(edgeTask, accepted.Task, chosen, cancellationToken))
        {
            return await HedgeAsync(id, cut, chosen, edgeTask, tail, sent);
        }

        var outcome = await edgeTask;
        if (outcome.Succeeded)
        {
            return (outcome.Answer!.Embeddings[0], AgentRoute.Edge, false, EdgeFailureKind.None, outcome.Answer.BytesSent, outcome.Answer.Load);
        }

        cancellationToken.ThrowIfCancellationRequested();
        AgentLog.FellBack(_logger, id, outcome.Failure.ToString(), cut);
        return (await tail(CancellationToken.None), AgentRoute.Fallback, false, outcome.Failure, chosen.Bytes, null);
    }

    /// <summary>
    /// Waits for the edge call while the node keeps its promise (<see cref="EdgePromise"/>): true once the call has
    /// ended (answer or failure), false when the promise broke first. One timer that fires late because this
    /// process itself stalled (by more than <see cref="ResilienceOptions.StallToleranceMs"/>) is excused once: the
    /// stall, not the node, ate the time.
    /// </summary>
    private async Task<bool> KeptPromiseAsync(Task<EdgeOutcome> edgeTask, Task<EdgeAcceptance> accepted, PlanCandidate chosen, CancellationToken cancellationToken)
    {
        var resilience = _options.Resilience;
        if (!resilience.Hedge)
        {
            return true;
        }

        var promise = new EdgePromise(chosen, WireSize.Reply(_model.HiddenSize), resilience.HedgeSlack, resilience.HedgeMarginMs);
        var dueMs = promise.UntilAcceptedMs(_edge!.ReportsAcceptance);
        var armed = _time.GetTimestamp();
        var admitted = false;
        var excused = false;
        while (true)
        {
            if (!admitted && accepted.IsCompleted)
            {
                // From the node's admission on, its own estimate sets the wait.
                admitted = true;
                dueMs = promise.AfterAcceptedMs(accepted.Result.EtaMs);
                armed = _time.GetTimestamp();
            }

            using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, dueMs)), _time, stopTimer.Token);
            var first = admitted
                ? await Task.WhenAny(edgeTask, timer)
                : await Task.WhenAny(edgeTask, accepted, timer);
            if (first != timer)
            {
                await stopTimer.CancelAsync();
            }

            if (first == edgeTask || cancellationToken.IsCancellationRequested)
            {
                return true;
            }

            if (first == accepted)
            {
                continue;
            }

            var late = _time.GetElapsedTime(armed).TotalMilliseconds - dueMs;
            if (late > resilience.StallToleranceMs && !excused)
            {
                excused = true;
                armed = _time.GetTimestamp();
                continue;
            }

            return false;
        }
    }

    private async Task<(float[] Embedding, AgentRoute Route, bool Hedged, EdgeFailureKind Failure, long BytesSent, EdgeLoad? Load)> HedgeAsync(
        string id, int cut, PlanCandidate chosen, Task<EdgeOutcome> edgeTask, Func<CancellationToken, Task<float[]>> tail, long sent)
    {
        // Hedge: the edge is late. Run the tail locally and take whichever finishes first; the edge call keeps
        // running to its deadline so its real outcome (late answer or failure) still teaches the estimators
        // and the breaker, but its answer is then discarded: one request, one answer. When the edge wins, the
        // local tail is cancelled (ONNX Runtime stops mid-stage), so an early hedge costs the device only the
        // compute done until the edge's answer came.
        var stopLocal = new CancellationTokenSource();
        var localTask = tail(stopLocal.Token);
        _ = localTask.ContinueWith(
            static (t, source) =>
            {
                ((CancellationTokenSource)source!).Dispose();
                _ = t.Exception; // observed: a cancelled or failed losing tail is not an error
            },
            stopLocal,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        var first = await Task.WhenAny(edgeTask, localTask);
        if (first == edgeTask && edgeTask.Result.Succeeded)
        {
            if (!localTask.IsCompleted)
            {
                try
                {
                    await stopLocal.CancelAsync();
                }
                catch (ObjectDisposedException)
                {
                    // The tail finished (and released its source) in the meantime.
                }
            }

            return (edgeTask.Result.Answer!.Embeddings[0], AgentRoute.Edge, true, EdgeFailureKind.None, edgeTask.Result.Answer.BytesSent, edgeTask.Result.Answer.Load);
        }

        var embedding = await localTask;
        var failure = edgeTask.IsCompleted ? edgeTask.Result.Failure : EdgeFailureKind.Timeout;
        if (!edgeTask.IsCompleted)
        {
            // Censored sample: the edge path took at least this long; steer the next requests away now.
            var waited = _time.GetElapsedTime(sent).TotalMilliseconds;
            _edgeCost.ObserveAtLeast(chosen.QueueMs + Math.Max(0, waited - chosen.RemoteMs));
        }

        AgentLog.FellBack(_logger, id, failure.ToString(), cut);
        return (embedding, AgentRoute.Fallback, true, failure, chosen.Bytes, null);
    }
}
