using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// The edge's per-stage compute and queue time, from the manifest and every reply's load report. The
/// node reports ms per token per stage; an EWMA correction factor (reported compute / predicted) absorbs
/// what the report misses (micro-batching, contention). Thread-safe.
/// </summary>
internal sealed class EdgeCostEstimator
{
    private readonly TimeProvider _time;
    private readonly EstimatorOptions _options;
    private readonly DecayingEstimate _queue;
    private readonly Lock _lock = new();
    private double[]? _stageMsPerToken;
    private double _computeCorrection = 1;
    private DateTimeOffset _busyUntil;

    public EdgeCostEstimator(EstimatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _queue = new DecayingEstimate(options.EdgeQueuePriorMs, options);
    }

    /// <summary>A load report from the manifest or a reply.</summary>
    public void ObserveLoad(EdgeLoad load)
    {
        lock (_lock)
        {
            if (load.StageMsPerToken.Count > 0 && load.StageMsPerToken.Any(v => v > 0))
            {
                _stageMsPerToken = [.. load.StageMsPerToken];
            }

            if (load.RecentQueueMs > 0 || load.QueueDepth > 0)
            {
                _queue.Observe(load.RecentQueueMs, _time.GetUtcNow());
            }
        }
    }

    /// <summary>A reply to our own request: its queue wait and compute time for stages [cut, N).</summary>
    public void ObserveAnswer(EdgeAnswer answer, int cut, int tokens, IReadOnlyList<double>? devicePrediction)
    {
        ObserveLoad(answer.Load);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            _queue.Observe(Math.Max(answer.QueueMs, answer.Load.RecentQueueMs), now);
            var predicted = RawCompute(cut, tokens, devicePrediction);
            if (predicted > 0.01 && answer.ComputeMs > 0)
            {
                var ratio = Math.Clamp(answer.ComputeMs / predicted, 0.05, 50);
                _computeCorrection += _options.Alpha * (ratio - _computeCorrection);
            }
        }
    }

    /// <summary>
    /// The edge had not answered after <paramref name="waitedMs"/> although we predicted less: a censored
    /// sample. It pulls the queue estimate up like any sample (smoothed and winsorized): one hedge lost to a
    /// scheduling stall must not keep a healthy edge unused for seconds, while a really stuck edge keeps
    /// losing and is soon avoided (and its timeouts open the circuit).
    /// </summary>
    public void ObserveAtLeast(double waitedMs)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (waitedMs > _queue.Value(now))
            {
                _queue.Observe(waitedMs, now);
            }
        }
    }

    /// <summary>The node said RESOURCE_EXHAUSTED: treat it as busy for its retry-after hint.</summary>
    public void ObserveBusy(TimeSpan retryAfter)
    {
        lock (_lock)
        {
            var until = _time.GetUtcNow() + retryAfter;
            if (until > _busyUntil)
            {
                _busyUntil = until;
            }
        }
    }

    /// <summary>Predicted per-stage edge ms for <paramref name="tokens"/> tokens and the queue wait.</summary>
    public EdgeSnapshot Snapshot(int tokens, IReadOnlyList<double> devicePrediction)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var stages = new double[devicePrediction.Count];
            for (var s = 0; s < stages.Length; s++)
            {
                stages[s] = StageMs(s, tokens, devicePrediction) * _computeCorrection;
            }

            var busy = _busyUntil > now ? (_busyUntil - now).TotalMilliseconds : 0;
            return new EdgeSnapshot(stages, Math.Max(_queue.Value(now), busy), _queue.Confidence(now));
        }
    }

    private double RawCompute(int from, int tokens, IReadOnlyList<double>? devicePrediction)
    {
        var n = _stageMsPerToken?.Length ?? devicePrediction?.Count ?? 0;
        var total = 0.0;
        for (var s = from; s < n; s++)
        {
            total += StageMs(s, tokens, devicePrediction);
        }

        return total;
    }

    private double StageMs(int stage, int tokens, IReadOnlyList<double>? devicePrediction)
    {
        if (_stageMsPerToken is { } perToken && stage < perToken.Length && perToken[stage] > 0)
        {
            return perToken[stage] * tokens;
        }

        // No report yet (or the node has not run this stage): a device-relative prior.
        return devicePrediction is not null && stage < devicePrediction.Count ? devicePrediction[stage] / _options.EdgeSpeedupPrior : 0;
    }
}
