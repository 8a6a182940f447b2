using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Planning;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>
/// The device's view of one edge node: every call goes through a Polly pipeline (circuit breaker →
/// per-request timeout) and feeds the link and edge estimators, including calls whose answer arrives
/// after the device already answered from the hedge. While the circuit is open, a background loop probes
/// GetManifest with jittered exponential backoff and closes it when the node answers.
/// </summary>
internal sealed class EdgeClient : IAsyncDisposable
{
    private static readonly ResiliencePropertyKey<TimeSpan> TimeoutKey = new("edgesplit.timeout");

    /// <summary>Timed GetManifest calls at connect; the fastest is the RTT sample.</summary>
    internal const int RttPings = 3;

    private readonly IEdgeTransport _transport;
    private readonly ResilienceOptions _options;
    private readonly LinkEstimator _link;
    private readonly EdgeCostEstimator _edge;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _expectedHash;
    private readonly int _expectedStages;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly CircuitBreakerManualControl _control = new();
    private readonly ResiliencePipeline _callPipeline;
    private readonly ResiliencePipeline _probePipeline;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _lock = new();
    private Task _probeLoop = Task.CompletedTask;
    private EdgeInfo? _manifest;
    private int _consecutiveFailures;
    private volatile bool _down;
    private long _lastAttempt;
    private int _verifying;

    public EdgeClient(
        IEdgeTransport transport,
        ResilienceOptions options,
        LinkEstimator link,
        EdgeCostEstimator edge,
        TimeProvider time,
        ILogger logger,
        string expectedHash,
        int expectedStages)
    {
        _transport = transport;
        _options = options;
        _link = link;
        _edge = edge;
        _time = time;
        _logger = logger;
        _expectedHash = expectedHash;
        _expectedStages = expectedStages;

        _callPipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && EdgeFailures.IsEdgeFault(ex)),
                StateProvider = _state,
                ManualControl = _control,
                OnOpened = _ =>
                {
                    StartProbing();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(TimeoutKey, options.LatencyBudget)),
            })
            .Build();

        // Reconnect: GetManifest until it answers, exponential backoff with jitter so a fleet of devices
        // does not hammer a node that just came back in lockstep.
        _probePipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null && !_disposing.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ProbeInitialDelay,
                MaxDelay = options.ProbeMaxDelay,
                OnRetry = args =>
                {
                    ResilienceLog.ProbeFailed(logger, args.Outcome.Exception?.Message ?? "no answer");
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.ProbeTimeout)
            .Build();
    }

    /// <summary>The node's manifest, once it has answered at least once with a compatible model.</summary>
    public EdgeInfo? Manifest
    {
        get
        {
            lock (_lock)
            {
                return _manifest;
            }
        }
    }

    /// <summary>Circuit state: Closed (use the edge), Open/Isolated (all local), HalfOpen (one trial).</summary>
    public CircuitState State => _state.CircuitState;

    /// <summary>Whether the planner may send work to the edge now.</summary>
    public bool IsAvailable => !_down && Manifest is not null && State is CircuitState.Closed or CircuitState.HalfOpen && !_disposing.IsCancellationRequested;

    /// <summary>Time since the last call that was sent to the edge (any outcome); <see cref="TimeSpan.MaxValue"/> before the first.</summary>
    public TimeSpan SinceLastAttempt => Interlocked.Read(ref _lastAttempt) is var last && last == 0 ? TimeSpan.MaxValue : _time.GetElapsedTime(last);

    /// <summary>First contact: one manifest call within the connect timeout; failure isolates the circuit and starts probing.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            timeout.CancelAfter(_options.ConnectTimeout);
            await FetchManifestAsync(timeout.Token);
            await WarmUpAsync();
            ResilienceLog.Connected(_logger, _manifest!.ModelId, _manifest.ModelHash[..Math.Min(12, _manifest.ModelHash.Length)], _manifest.StageCount, _link.Snapshot().RttMs);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            ResilienceLog.ConnectFailed(_logger, Describe(ex));
            await _control.IsolateAsync(CancellationToken.None);
            StartProbing();
        }
    }

    /// <summary>Whether the transport reports the node's admission of a request before its answer.</summary>
    public bool ReportsAcceptance => _transport.ReportsAcceptance;

    /// <summary>
    /// Runs one request on the edge within <paramref name="timeout"/>; <paramref name="accepted"/> hears the node's
    /// admission (see <see cref="ReportsAcceptance"/>). Never throws: the outcome says how it ended.
    /// </summary>
    public async Task<EdgeOutcome> InferAsync(EdgeRequest request, TimeSpan timeout, int tokens, IReadOnlyList<double> devicePrediction, Action<EdgeAcceptance> accepted, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastAttempt, Math.Max(1, _time.GetTimestamp()));
        var started = _time.GetTimestamp();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(TimeoutKey, timeout);
        try
        {
            var answer = await _callPipeline.ExecuteAsync(
                // Task.Run: a transport's synchronous prologue (encoding, the first call's JIT and connection
                // set-up) must not delay the caller's hedge timer.
                static async (ctx, state) => await Task.Run(() => state._transport.InferAsync(state.request, state.accepted, ctx.CancellationToken), ctx.CancellationToken),
                context,
                (_transport, request, accepted));
            var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
            if (answer.Embeddings.Length != request.BatchRows() || answer.Embeddings.Any(e => e.Length != _manifest?.HiddenSize && _manifest is not null))
            {
                return Failed(request, EdgeFailureKind.Other, "malformed answer (wrong row count or width)", elapsed, fault: true);
            }

            Interlocked.Exchange(ref _consecutiveFailures, 0);
            var network = elapsed - answer.QueueMs - answer.ComputeMs;
            _link.ObserveTransfer(answer.BytesSent + WireSize.Reply(_manifest?.HiddenSize ?? answer.Embeddings[0].Length), network);
            _edge.ObserveAnswer(answer, request.Cut, tokens, devicePrediction);
            return new EdgeOutcome(answer, EdgeFailureKind.None, null, elapsed);
        }
        catch (Exception ex)
        {
            var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
            var kind = EdgeFailures.Classify(ex, cancellationToken);
            if (kind == EdgeFailureKind.Busy && ex is EdgeException { RetryAfter: var retryAfter })
            {
                _edge.ObserveBusy(retryAfter ?? TimeSpan.FromMilliseconds(Math.Max(elapsed, 50)));
            }

            return Failed(request, kind, Describe(ex), elapsed, fault: EdgeFailures.IsEdgeFault(ex) && kind != EdgeFailureKind.Cancelled);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync();
        try
        {
            await _probeLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Shutting down: a probe stuck in a dead socket is abandoned, and its failure does not matter.
        }

        _disposing.Dispose();
    }

    private EdgeOutcome Failed(EdgeRequest request, EdgeFailureKind kind, string error, double elapsed, bool fault)
    {
        ResilienceLog.CallFailed(_logger, request.RequestId, elapsed, kind, error);
        if (fault)
        {
            var failures = Interlocked.Increment(ref _consecutiveFailures);
            if (failures >= _options.ConsecutiveFailures && State == CircuitState.Closed)
            {
                // Polly's breaker is ratio-based over a window; after a long healthy run a dead node would
                // take many failures to trip it. A few in a row is already proof enough.
                TakeDown(failures, kind);
            }
            else if (kind == EdgeFailureKind.Unavailable && Interlocked.CompareExchange(ref _verifying, 1, 0) == 0)
            {
                // The node could not be reached. Rather than let the planner find out with real requests (each a
                // fallback) until the breaker has counted enough of them, ask the node itself once, in the
                // background: no answer takes it out now and starts the probe loop that brings it back.
                _ = VerifyReachableAsync();
            }
        }

        return new EdgeOutcome(null, kind, error, elapsed);
    }

    private async Task VerifyReachableAsync()
    {
        try
        {
            await Task.Delay(_options.ProbeInitialDelay, _time, _disposing.Token);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
            timeout.CancelAfter(_options.ProbeTimeout);
            await FetchManifestAsync(timeout.Token);
        }
        catch (Exception) when (!_disposing.IsCancellationRequested)
        {
            if (!_down && State == CircuitState.Closed)
            {
                TakeDown(Volatile.Read(ref _consecutiveFailures), EdgeFailureKind.Unavailable);
            }
        }
        catch (Exception)
        {
            // Disposed meanwhile.
        }
        finally
        {
            Interlocked.Exchange(ref _verifying, 0);
        }
    }

    /// <summary>Takes the edge out now and starts the probe loop that brings it back.</summary>
    private void TakeDown(int failures, EdgeFailureKind kind)
    {
        ResilienceLog.CircuitOpened(_logger, failures, kind);
        // Unavailable from this instant: isolating the Polly circuit is asynchronous, and the very next request
        // must not be planned onto the edge in between.
        _down = true;
        _ = IsolateAndProbeAsync();
    }

    private async Task IsolateAndProbeAsync()
    {
        await _control.IsolateAsync(CancellationToken.None);
        StartProbing();
    }

    private void StartProbing()
    {
        lock (_lock)
        {
            if (!_probeLoop.IsCompleted || _disposing.IsCancellationRequested)
            {
                return;
            }

            _probeLoop = Task.Run(ProbeUntilBackAsync);
        }
    }

    private async Task ProbeUntilBackAsync()
    {
        try
        {
            await Task.Delay(_options.ProbeInitialDelay, _time, _disposing.Token);
            await _probePipeline.ExecuteAsync(async token => await FetchManifestAsync(token), _disposing.Token);
            await WarmUpAsync();
            Interlocked.Exchange(ref _consecutiveFailures, 0);
            await _control.CloseAsync(CancellationToken.None);
            _down = false;
            ResilienceLog.EdgeBack(_logger, _link.Snapshot().RttMs);
        }
        catch (Exception) when (_disposing.IsCancellationRequested)
        {
            // Disposed while probing: whatever the interrupted probe threw (transports map cancellation to
            // their own exception types) is moot now.
        }
    }

    /// <summary>
    /// One tiny unmeasured request at cut 1: the first call on a connection pays JIT, stream set-up and the
    /// node's first run of that shape, which would otherwise poison the link and queue estimates for seconds.
    /// </summary>
    private async Task WarmUpAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        var hidden = _manifest!.HiddenSize;
        var activation = new EdgeSplit.Inference.Runtime.Activation(1, 1, 4, hidden, new float[4 * hidden], [1, 1, 1, 1]);
        var encoding = _manifest.Encodings.Contains(WireEncoding.F16) ? WireEncoding.F16 : WireEncoding.F32;
        try
        {
            await _transport.InferAsync(new EdgeRequest("warm-up", 1, null, activation, encoding, _options.ConnectTimeout), timeout.Token);
        }
        catch (Exception ex) when (ex is EdgeException or OperationCanceledException)
        {
            // The node answered its manifest; whatever the warm-up met, real requests (deadlines, breaker) will handle.
        }
    }

    /// <summary>
    /// GetManifest, checked against the device's model; then <see cref="RttPings"/> more calls, without connection
    /// set-up, of which the fastest is the RTT sample. Delay noise only ever adds (a scheduling stall, a fleet
    /// connecting at once, the node's first calls), so one timed call could start the link estimate several
    /// times too slow, and the planner would then not try the edge again until that estimate went stale.
    /// </summary>
    private async Task FetchManifestAsync(CancellationToken cancellationToken)
    {
        var info = await _transport.GetManifestAsync(cancellationToken);
        if (!string.Equals(info.ModelHash, _expectedHash, StringComparison.OrdinalIgnoreCase) || info.StageCount != _expectedStages)
        {
            var reason = $"edge model {info.ModelHash} with {info.StageCount} stages, device model {_expectedHash} with {_expectedStages}";
            ResilienceLog.Incompatible(_logger, reason);
            throw new EdgeException(Grpc.Core.StatusCode.FailedPrecondition, reason);
        }

        var again = info;
        var fastest = double.PositiveInfinity;
        for (var ping = 0; ping < RttPings; ping++)
        {
            var started = _time.GetTimestamp();
            again = await _transport.GetManifestAsync(cancellationToken);
            fastest = Math.Min(fastest, _time.GetElapsedTime(started).TotalMilliseconds);
        }

        _link.ObserveRoundTrip(fastest);
        _edge.ObserveLoad(again.Load);
        lock (_lock)
        {
            _manifest = again;
        }
    }

    private static string Describe(Exception ex) => ex is EdgeException edge ? $"{edge.Status}: {edge.Message}" : $"{ex.GetType().Name}: {ex.Message}";
}
