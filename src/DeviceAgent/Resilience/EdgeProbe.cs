using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>
/// Asks a node that stopped answering whether it is there (<c>probe</c>: GetManifest, checked): in a background
/// loop with jittered exponential backoff until it answers, so a fleet of devices does not hammer a node that just
/// came back in lockstep; or once, after a failure that suggests the node is gone.
/// </summary>
internal sealed class EdgeProbe
{
    private readonly ResilienceOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<CancellationToken, Task> _probe;
    private readonly CancellationToken _stopping;
    private readonly ResiliencePipeline _pipeline;
    private readonly Lock _lock = new();
    private Task _loop = Task.CompletedTask;
    private int _checking;

    public EdgeProbe(ResilienceOptions options, TimeProvider time, ILogger logger, Func<CancellationToken, Task> probe, CancellationToken stopping)
    {
        _options = options;
        _time = time;
        _probe = probe;
        _stopping = stopping;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null && !stopping.IsCancellationRequested),
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

    /// <summary>Starts the loop unless it is running: probes until the node answers, then runs <paramref name="back"/>.</summary>
    public void StartLoop(Func<Task> back)
    {
        lock (_lock)
        {
            if (!_loop.IsCompleted || _stopping.IsCancellationRequested)
            {
                return;
            }

            _loop = Task.Run(() => ProbeUntilBackAsync(back));
        }
    }

    /// <summary>
    /// Unless a check is under way, probes once in the background after the first probe delay, and runs
    /// <paramref name="gone"/> when the node does not answer.
    /// </summary>
    public void CheckOnce(Action gone)
    {
        if (Interlocked.CompareExchange(ref _checking, 1, 0) == 0)
        {
            _ = CheckAsync(gone);
        }
    }

    /// <summary>Waits (at most 5 s) for the loop to see that <c>stopping</c> was cancelled.</summary>
    public async Task StopAsync()
    {
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Shutting down: a probe stuck in a dead socket is abandoned, and its failure does not matter.
        }
    }

    private async Task ProbeUntilBackAsync(Func<Task> back)
    {
        try
        {
            await Task.Delay(_options.ProbeInitialDelay, _time, _stopping);
            await _pipeline.ExecuteAsync(async token => await _probe(token), _stopping);
            await back();
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // Stopped while probing: whatever the interrupted probe threw (transports map cancellation to
            // their own exception types) is moot now.
        }
    }

    private async Task CheckAsync(Action gone)
    {
        try
        {
            await Task.Delay(_options.ProbeInitialDelay, _time, _stopping);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            timeout.CancelAfter(_options.ProbeTimeout);
            await _probe(timeout.Token);
        }
        catch (Exception) when (!_stopping.IsCancellationRequested)
        {
            gone();
        }
        catch (Exception)
        {
            // Stopped meanwhile.
        }
        finally
        {
            Interlocked.Exchange(ref _checking, 0);
        }
    }
}
