using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>
/// Whether calls may go to the edge. Each call runs through a Polly pipeline (circuit breaker → per-call timeout):
/// the breaker's failure ratio catches an intermittently failing node. Polly's breaker counts over a window, though,
/// and after a long healthy run a dead node would take many failures to trip it; so a few edge faults in a row take
/// the node out at once as well. Either way <c>opened</c> is called, to start the probe that brings it back.
/// </summary>
internal sealed class EdgeCircuit
{
    private static readonly ResiliencePropertyKey<TimeSpan> TimeoutKey = new("edgesplit.timeout");

    private readonly ResilienceOptions _options;
    private readonly ILogger _logger;
    private readonly Action _opened;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly CircuitBreakerManualControl _control = new();
    private readonly ResiliencePipeline _pipeline;
    private int _consecutiveFailures;
    private volatile bool _down;

    public EdgeCircuit(ResilienceOptions options, TimeProvider time, ILogger logger, Action opened)
    {
        _options = options;
        _logger = logger;
        _opened = opened;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
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
                    opened();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(TimeoutKey, options.LatencyBudget)),
            })
            .Build();
    }

    /// <summary>Polly's state: Closed (use the edge), Open/Isolated (all local), HalfOpen (one trial).</summary>
    public CircuitState State => _state.CircuitState;

    /// <summary>Whether calls may go to the edge now: not taken out, and the breaker closed or half-open.</summary>
    public bool AllowsCalls => !_down && State is CircuitState.Closed or CircuitState.HalfOpen;

    /// <summary>
    /// Runs <paramref name="call"/> through the breaker with <paramref name="timeout"/> as its deadline; throws what the
    /// call threw, <see cref="TimeoutRejectedException"/> or, while open, <see cref="BrokenCircuitException"/>.
    /// </summary>
    public async Task<TResult> ExecuteAsync<TResult, TState>(
        Func<TState, CancellationToken, Task<TResult>> call, TState state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(TimeoutKey, timeout);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (ctx, s) => await s.call(s.state, ctx.CancellationToken),
                context,
                (call, state));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The node answered: the run of consecutive faults is over.</summary>
    public void Succeeded() => Interlocked.Exchange(ref _consecutiveFailures, 0);

    /// <summary>Counts one edge fault; returns whether it was the one that took the node out.</summary>
    public bool Faulted(EdgeFailureKind kind)
    {
        var failures = Interlocked.Increment(ref _consecutiveFailures);
        if (failures >= _options.ConsecutiveFailures && State == CircuitState.Closed)
        {
            TakeDown(failures, kind);
            return true;
        }

        return false;
    }

    /// <summary>Takes the node out now (the probe found it silent), unless it already is.</summary>
    public void TakeDownIfUp(EdgeFailureKind kind)
    {
        if (!_down && State == CircuitState.Closed)
        {
            TakeDown(Volatile.Read(ref _consecutiveFailures), kind);
        }
    }

    /// <summary>Opens the circuit until <see cref="CloseAsync"/> (e.g. the node never answered at start) and starts the probe.</summary>
    public async Task IsolateAsync()
    {
        await _control.IsolateAsync(CancellationToken.None);
        _opened();
    }

    /// <summary>The node is back: closes the circuit with a clean slate.</summary>
    public async Task CloseAsync()
    {
        Interlocked.Exchange(ref _consecutiveFailures, 0);
        await _control.CloseAsync(CancellationToken.None);
        _down = false;
    }

    private void TakeDown(int failures, EdgeFailureKind kind)
    {
        ResilienceLog.CircuitOpened(_logger, failures, kind);
        // Unavailable from this instant: isolating the Polly circuit is asynchronous, and the very next request
        // must not be planned onto the edge in between.
        _down = true;
        _ = IsolateAsync();
    }
}
