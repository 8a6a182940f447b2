using EdgeSplit.Inference.Decoder;

namespace EdgeSplit.Gateway.Generation;

/// <summary>One device's generation session: the tail stages' KV cache, sampling, and its reservation of the KV budget.</summary>
internal sealed class GenerationSession(string id, int cut, SamplingOptions sampling, KvCache cache, int maxPositions, long reservedBytes, long now)
{
    private readonly Lock _gate = new();
    private bool _busy;
    private long _lastActive = now;

    public string Id { get; } = id;

    public int Cut { get; } = cut;

    public SamplingOptions Sampling { get; } = sampling;

    public KvCache Cache { get; } = cache;

    public int MaxPositions { get; } = maxPositions;

    public long ReservedBytes { get; } = reservedBytes;

    /// <summary>Set once the session is gone (expired or closed); its cache is no longer counted.</summary>
    public bool Ended { get; private set; }

    public bool Expired { get; private set; }

    /// <summary>Marks a step in flight; false when the session has ended.</summary>
    public bool TryBegin(long now)
    {
        lock (_gate)
        {
            if (Ended)
            {
                return false;
            }

            _busy = true;
            _lastActive = now;
            return true;
        }
    }

    public void Finish(long now)
    {
        lock (_gate)
        {
            _busy = false;
            _lastActive = now;
        }
    }

    /// <summary>Ends the session when idle since <paramref name="before"/>; true when this call ended it.</summary>
    public bool TryExpire(long before)
    {
        lock (_gate)
        {
            if (Ended || _busy || _lastActive > before)
            {
                return false;
            }

            Ended = Expired = true;
            return true;
        }
    }

    /// <summary>Ends the session; true when this call ended it.</summary>
    public bool TryEnd()
    {
        lock (_gate)
        {
            if (Ended)
            {
                return false;
            }

            Ended = true;
            return true;
        }
    }

    public long LastActive
    {
        get
        {
            lock (_gate)
            {
                return _lastActive;
            }
        }
    }
}
