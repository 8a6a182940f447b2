namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// Times the device compute of one request: the head (or the whole model on the local route) and the local tail,
/// which counts until it finishes or until its cancellation is requested (an edge that answered first stops it), so
/// a cancelled partial tail is charged for what it ran. Thread-safe: a cancelled tail may end after the answer.
/// </summary>
internal sealed class ComputeClock(TimeProvider time)
{
    private readonly Lock _lock = new();
    private double _headMs;
    private long? _headEnded;
    private long? _tailStarted;
    private long? _tailEnded;

    /// <summary>Milliseconds the head (or the whole model, when the request stayed local) ran.</summary>
    public double HeadMs
    {
        get
        {
            lock (_lock)
            {
                return _headMs;
            }
        }
    }

    /// <summary>When the head finished (the cut tensor was ready), or null when none ran.</summary>
    public long? HeadEndedAt
    {
        get
        {
            lock (_lock)
            {
                return _headEnded;
            }
        }
    }

    /// <summary>When the local tail started, or null when none ran.</summary>
    public long? TailStartedAt
    {
        get
        {
            lock (_lock)
            {
                return _tailStarted;
            }
        }
    }

    /// <summary>Milliseconds the local tail ran: to its end, to its cancellation request, or (still running) to now.</summary>
    public double TailMs
    {
        get
        {
            lock (_lock)
            {
                return _tailStarted is { } start ? time.GetElapsedTime(start, _tailEnded ?? time.GetTimestamp()).TotalMilliseconds : 0;
            }
        }
    }

    /// <summary>Runs and times the head.</summary>
    public async Task<T> HeadAsync<T>(Func<Task<T>> run)
    {
        var start = time.GetTimestamp();
        try
        {
            return await run();
        }
        finally
        {
            var end = time.GetTimestamp();
            lock (_lock)
            {
                _headMs += time.GetElapsedTime(start, end).TotalMilliseconds;
                _headEnded = end;
            }
        }
    }

    /// <summary>Runs and times the local tail; the clock stops when <paramref name="stop"/> is cancelled.</summary>
    public async Task<T> TailAsync<T>(Func<CancellationToken, Task<T>> run, CancellationToken stop)
    {
        lock (_lock)
        {
            _tailStarted ??= time.GetTimestamp();
        }

        using var stopped = stop.Register(static clock => ((ComputeClock)clock!).StopTail(), this);
        try
        {
            return await run(stop);
        }
        finally
        {
            StopTail();
        }
    }

    private void StopTail()
    {
        lock (_lock)
        {
            _tailEnded ??= time.GetTimestamp();
        }
    }
}
