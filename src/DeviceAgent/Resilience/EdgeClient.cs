using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Planning;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>
/// The device's view of one edge node, composed of focused pieces: every call goes through the
/// <see cref="EdgeCircuit"/> (circuit breaker → per-request timeout) and its outcome feeds the estimators through the
/// <see cref="EdgeObserver"/>, including calls whose answer arrives after the device already answered from the
/// hedge. The node counts only while it serves the device's model (<see cref="EdgeCompatibility"/>). While the
/// circuit is open, the <see cref="EdgeProbe"/> asks the node with jittered exponential backoff and, once it answers,
/// the client warms the connection up (<see cref="EdgeWarmUp"/>) and closes the circuit.
/// </summary>
internal sealed class EdgeClient : IAsyncDisposable
{
    /// <summary>Timed GetManifest calls at connect; the fastest is the RTT sample.</summary>
    internal const int RttPings = 3;

    private readonly IEdgeTransport _transport;
    private readonly ResilienceOptions _options;
    private readonly ILogger _logger;
    private readonly EdgeCompatibility _compatibility;
    private readonly EdgeObserver _observer;
    private readonly EdgeProbe _probe;
    private readonly EdgeCircuit _circuit;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _lock = new();
    private EdgeManifest? _manifest;
    private long _lastAttempt;

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
        _time = time;
        _logger = logger;
        _compatibility = new EdgeCompatibility(expectedHash, expectedStages);
        _observer = new EdgeObserver(link, edge);
        _probe = new EdgeProbe(options, time, logger, FetchManifestAsync, _disposing.Token);
        _circuit = new EdgeCircuit(options, time, logger, opened: () => _probe.StartLoop(BackAsync));
    }

    /// <summary>The node's manifest, once it has answered at least once with a compatible model.</summary>
    public EdgeManifest? Manifest
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
    public CircuitState State => _circuit.State;

    /// <summary>Whether the planner may send work to the edge now.</summary>
    public bool IsAvailable => _circuit.AllowsCalls && Manifest is not null && !_disposing.IsCancellationRequested;

    /// <summary>Time since the last call that was sent to the edge (any outcome); <see cref="TimeSpan.MaxValue"/> before the first.</summary>
    public TimeSpan SinceLastAttempt => Interlocked.Read(ref _lastAttempt) is var last && last == 0 ? TimeSpan.MaxValue : _time.GetElapsedTime(last);

    /// <summary>Whether the transport reports the node's admission of a request before its answer.</summary>
    public bool ReportsAcceptance => _transport.ReportsAcceptance;

    /// <summary>First contact: one manifest call within the connect timeout; failure isolates the circuit and starts probing.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            timeout.CancelAfter(_options.ConnectTimeout);
            await FetchManifestAsync(timeout.Token);
            await WarmUpAsync();
            ResilienceLog.Connected(_logger, _manifest!.ModelId, _manifest.ModelHash[..Math.Min(12, _manifest.ModelHash.Length)], _manifest.StageCount, _observer.RttMs);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (ex is EdgeException { Status: StatusCode.Unauthenticated or StatusCode.PermissionDenied })
            {
                ResilienceLog.CredentialsRefused(_logger, Describe(ex));
            }
            else
            {
                ResilienceLog.ConnectFailed(_logger, Describe(ex));
            }

            await _circuit.IsolateAsync();
        }
    }

    /// <summary>
    /// Runs one request on the edge within <paramref name="timeout"/>; <paramref name="accepted"/> hears the node's
    /// admission (see <see cref="ReportsAcceptance"/>). Never throws: the outcome says how it ended.
    /// </summary>
    public async Task<EdgeOutcome> InferAsync(EdgeRequest request, TimeSpan timeout, int tokens, IReadOnlyList<double> devicePrediction, Action<EdgeAcceptance> accepted, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastAttempt, Math.Max(1, _time.GetTimestamp()));
        var started = _time.GetTimestamp();
        try
        {
            var answer = await _circuit.ExecuteAsync(
                // Task.Run: a transport's synchronous prologue (encoding, the first call's JIT and connection
                // set-up) must not delay the caller's hedge timer.
                static (state, token) => Task.Run(() => state._transport.InferAsync(state.request, state.accepted, token), token),
                (_transport, request, accepted),
                timeout,
                cancellationToken);
            var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
            var manifest = _manifest;
            if (!EdgeCompatibility.IsWellFormed(answer, request, manifest))
            {
                return Failed(request, EdgeFailureKind.Other, "malformed answer (wrong row count or width)", elapsed, fault: true);
            }

            _circuit.Succeeded();
            _observer.Answer(request, answer, elapsed, manifest?.HiddenSize, tokens, devicePrediction);
            return new EdgeOutcome(answer, EdgeFailureKind.None, null, elapsed);
        }
        catch (Exception ex)
        {
            var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
            var kind = EdgeFailures.Classify(ex, cancellationToken);
            _observer.Failure(ex, kind, elapsed);
            return Failed(request, kind, Describe(ex), elapsed, fault: EdgeFailures.IsEdgeFault(ex) && kind != EdgeFailureKind.Cancelled);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync();
        await _probe.StopAsync();
        _disposing.Dispose();
    }

    private EdgeOutcome Failed(EdgeRequest request, EdgeFailureKind kind, string error, double elapsed, bool fault)
    {
        ResilienceLog.CallFailed(_logger, request.RequestId, elapsed, kind, error);
        if (fault && !_circuit.Faulted(kind) && kind == EdgeFailureKind.Unavailable)
        {
            // The node could not be reached. Rather than let the planner find out with real requests (each a
            // fallback) until the breaker has counted enough of them, ask the node itself once, in the
            // background: no answer takes it out now and starts the probe loop that brings it back.
            _probe.CheckOnce(gone: () => _circuit.TakeDownIfUp(EdgeFailureKind.Unavailable));
        }

        return new EdgeOutcome(null, kind, error, elapsed);
    }

    /// <summary>The probe loop's success: warm the connection up before the circuit lets real requests through.</summary>
    private async Task BackAsync()
    {
        await WarmUpAsync();
        await _circuit.CloseAsync();
        ResilienceLog.EdgeBack(_logger, _observer.RttMs);
    }

    private Task WarmUpAsync() => EdgeWarmUp.RunAsync(_transport, _manifest!, _options.ConnectTimeout, _disposing.Token);

    /// <summary>
    /// GetManifest, checked against the device's model; then <see cref="RttPings"/> more calls, without connection
    /// set-up, of which the fastest is the RTT sample. Delay noise only ever adds (a scheduling stall, a fleet
    /// connecting at once, the node's first calls), so one timed call could start the link estimate several
    /// times too slow, and the planner would then not try the edge again until that estimate went stale.
    /// </summary>
    private async Task FetchManifestAsync(CancellationToken cancellationToken)
    {
        var info = await _transport.GetManifestAsync(cancellationToken);
        if (_compatibility.Mismatch(info) is { } reason)
        {
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

        _observer.Manifest(fastest, again.Load);
        lock (_lock)
        {
            _manifest = again;
        }
    }

    private static string Describe(Exception ex) => ex is EdgeException edge ? $"{edge.Status}: {edge.Message}" : $"{ex.GetType().Name}: {ex.Message}";
}
