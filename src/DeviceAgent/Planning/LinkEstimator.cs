namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Round-trip time and throughput of the device–edge link, measured from real calls. A call's network
/// time (client wall time minus the node's queue and compute) holds two unknowns, RTT and bytes/throughput;
/// each call updates the one that dominates it: small payloads teach RTT, large ones throughput. Manifest
/// calls are pure round trips. Throughput is smoothed as time per byte (a harmonic mean): averaging
/// rates lets one fast sample hide a link that just became 100x slower, while averaging costs reacts
/// within a couple of calls. Thread-safe.
/// </summary>
internal sealed class LinkEstimator
{
    private readonly TimeProvider _time;
    private readonly DecayingEstimate _rtt;
    private readonly DecayingEstimate _msPerByte;
    private readonly Lock _lock = new();

    public LinkEstimator(EstimatorOptions options, TimeProvider time)
    {
        _time = time;
        _rtt = new DecayingEstimate(options.RttPriorMs, options);
        _msPerByte = new DecayingEstimate(1 / options.ThroughputPriorBytesPerMs, options);
    }

    /// <summary>A call with (almost) no payload: all of it is round trip.</summary>
    public void ObserveRoundTrip(double ms)
    {
        lock (_lock)
        {
            _rtt.Observe(Math.Max(0, ms), _time.GetUtcNow());
        }
    }

    /// <summary>A call that moved <paramref name="bytes"/> in <paramref name="networkMs"/> of network time.</summary>
    public void ObserveTransfer(long bytes, double networkMs)
    {
        if (bytes <= 0 || !double.IsFinite(networkMs))
        {
            return;
        }

        networkMs = Math.Max(0.01, networkMs);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var rtt = _rtt.HasValue ? _rtt.Value(now) : 0;
            var residual = networkMs - rtt;
            if (residual >= 0.25 * networkMs)
            {
                // Transfer is a real share of the call: what is left after the round trip is throughput.
                _msPerByte.Observe(residual / bytes, now);
            }
            else
            {
                // The call is mostly round trip (small payload or fast link): it teaches RTT, and gives a
                // lower bound on throughput so a fast link does not stay at the pessimistic prior.
                _rtt.Observe(networkMs - Math.Min(bytes * _msPerByte.Value(now), 0.5 * networkMs), now);
                _msPerByte.Observe(0.25 * networkMs / bytes, now);
            }
        }
    }

    public LinkSnapshot Snapshot()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            return new LinkSnapshot(_rtt.Value(now), 1 / _msPerByte.Value(now), Math.Min(_rtt.Confidence(now), _msPerByte.Confidence(now)));
        }
    }
}
