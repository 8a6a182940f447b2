namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// An EWMA that forgets: fresh, it is the smoothed observations; once older than the stale age it
/// slides toward the prior with a half-life, so "measured long ago" becomes "unknown". Not thread-safe;
/// owners lock.
/// </summary>
internal sealed class DecayingEstimate(double prior, EstimatorOptions options)
{
    private double? _value;
    private DateTimeOffset _updated;

    public double Prior { get; } = prior;

    public bool HasValue => _value is not null;

    public DateTimeOffset Updated => _updated;

    // One sample may move the estimate at most this factor away from where it is: on a shared CPU a single
    // scheduling stall looks like a 20x slower link, and EWMA alone would let it steer several requests.
    // A real, lasting change still gets through in a few samples (each may triple the estimate).
    private const double OutlierFactor = 3;

    public void Observe(double sample, DateTimeOffset now, double? alpha = null, bool winsorize = true)
    {
        if (!double.IsFinite(sample))
        {
            return;
        }

        var confidence = Confidence(now);
        if (_value is null || confidence < 0.5)
        {
            // Never measured, or mostly back to the prior: a real measurement beats a guess outright.
            // Without this, decay toward a pessimistic prior between rare samples would outrun the EWMA and
            // a recovered link would never look recovered.
            _value = sample;
            _updated = now;
            return;
        }

        var current = Value(now);
        if (winsorize && confidence >= 1 && current > 0)
        {
            sample = Math.Clamp(sample, current / OutlierFactor, current * OutlierFactor);
        }

        // A partly stale estimate is partly a guess: weigh the new sample by how little we still trust it.
        var a = Math.Max(alpha ?? options.Alpha, 1 - confidence);
        _value = current + (a * (sample - current));
        _updated = now;
    }

    /// <summary>How much the estimate is still its own measurement rather than the prior (1 fresh, → 0 stale, 0 never measured).</summary>
    public double Confidence(DateTimeOffset now)
    {
        if (_value is null)
        {
            return 0;
        }

        var age = now - _updated - options.StaleAfter;
        return age <= TimeSpan.Zero ? 1 : Math.Pow(0.5, age / options.StaleHalfLife);
    }

    public double Value(DateTimeOffset now)
    {
        if (_value is not { } value)
        {
            return Prior;
        }

        var weight = Confidence(now);
        return Prior + ((value - Prior) * weight);
    }
}
