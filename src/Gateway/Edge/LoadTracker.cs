using EdgeSplit.Contracts.V1;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Recent costs and counters of the node: per-stage milliseconds per token and queue wait as exponentially
/// weighted moving averages (what a device's planner needs), plus totals for tests and logs.
/// </summary>
internal sealed class LoadTracker(double alpha)
{
    private readonly Lock _gate = new();
    private double[] _stageMsPerToken = [];
    private double _queueMs;
    private double _rowMs;
    private long _computed;
    private long _batches;
    private long _expired;
    private long _rejected;

    /// <summary>Requests that reached compute.</summary>
    public long Computed => Interlocked.Read(ref _computed);

    /// <summary>Micro-batches run.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Requests dropped because their deadline passed before compute.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>Requests refused because the queue was full.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Recent compute milliseconds per row.</summary>
    public double RowMs
    {
        get
        {
            lock (_gate)
            {
                return _rowMs;
            }
        }
    }

    public void RecordBatch(int requests, int rows, int sequence, int fromStage, double[] stageMs, double computeMs, double queueMs)
    {
        Interlocked.Add(ref _computed, requests);
        Interlocked.Increment(ref _batches);
        var tokens = (double)rows * sequence;
        lock (_gate)
        {
            if (_stageMsPerToken.Length < stageMs.Length)
            {
                Array.Resize(ref _stageMsPerToken, stageMs.Length);
            }

            for (var stage = fromStage; stage < stageMs.Length; stage++)
            {
                _stageMsPerToken[stage] = Blend(_stageMsPerToken[stage], stageMs[stage] / tokens);
            }

            _rowMs = Blend(_rowMs, computeMs / rows);
            _queueMs = Blend(_queueMs, queueMs);
        }
    }

    /// <summary>Recent compute cost of stages [<paramref name="fromStage"/>, N) for this many tokens; 0 before any batch ran.</summary>
    public double ComputeMs(int fromStage, int tokens)
    {
        lock (_gate)
        {
            var total = 0.0;
            for (var stage = Math.Max(0, fromStage); stage < _stageMsPerToken.Length; stage++)
            {
                total += _stageMsPerToken[stage];
            }

            return total * tokens;
        }
    }

    public void RecordExpired() => Interlocked.Increment(ref _expired);

    public void RecordRejected() => Interlocked.Increment(ref _rejected);

    /// <summary>Open generation sessions and their KV bytes, when the node serves a decoder (set by the decode scheduler).</summary>
    public Func<(int Sessions, long KvBytes)>? Generation { get; set; }

    public LoadReport Snapshot(int queueDepth, int inFlight, int stageCount)
    {
        var report = new LoadReport { QueueDepth = queueDepth, InFlight = inFlight };
        if (Generation?.Invoke() is var (sessions, kvBytes))
        {
            report.GenerationSessions = sessions;
            report.KvBytesInUse = kvBytes;
        }

        lock (_gate)
        {
            for (var i = 0; i < stageCount; i++)
            {
                report.StageMsPerToken.Add(i < _stageMsPerToken.Length ? _stageMsPerToken[i] : 0);
            }

            report.RecentQueueMs = _queueMs;
        }

        return report;
    }

    // The first sample seeds the average so a fresh node does not report near-zero costs.
    private double Blend(double average, double sample) => average == 0 ? sample : average + (alpha * (sample - average));
}
