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

    public void Observe(double sample, DateTimeOffset now, double? alpha = null)
    {
        if (!double.IsFinite(sample))
        {
            return;
        }

        // The first sample replaces the prior outright: a real measurement beats a guess. After a long
        // silence, the decayed value is the starting point so one outlier cannot fully swing it.
        var current = _value is null ? sample : Value(now);
        var a = alpha ?? options.Alpha;
        _value = _value is null ? sample : current + (a * (sample - current));
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
