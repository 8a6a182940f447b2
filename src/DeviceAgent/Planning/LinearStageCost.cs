namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>Cost of one stage for a sequence of t tokens: <c>Fixed + PerToken·t</c> milliseconds.</summary>
public readonly record struct LinearStageCost(double FixedMs, double PerTokenMs)
{
    /// <summary>Predicted milliseconds for <paramref name="tokens"/> tokens.</summary>
    public double At(int tokens) => FixedMs + (PerTokenMs * tokens);

    /// <summary>Least-squares fit of (tokens, ms) samples, clamped non-negative (a stage cannot get cheaper with more tokens).</summary>
    public static LinearStageCost Fit(IReadOnlyList<(int Tokens, double Ms)> samples)
    {
        ArgumentOutOfRangeException.ThrowIfZero(samples.Count);
        double n = samples.Count, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (t, ms) in samples)
        {
            sx += t;
            sy += ms;
            sxx += (double)t * t;
            sxy += t * ms;
        }

        var denominator = (n * sxx) - (sx * sx);
        if (Math.Abs(denominator) < 1e-9)
        {
            // One distinct length: all cost is per token, the safer guess for longer inputs.
            return new LinearStageCost(0, sy / Math.Max(sx, 1));
        }

        var slope = Math.Max(0, ((n * sxy) - (sx * sy)) / denominator);
        var intercept = (sy - (slope * sx)) / n;
        if (intercept < 0)
        {
            // Refit through the origin rather than predict negative cost for short inputs.
            intercept = 0;
            slope = sxy / Math.Max(sxx, 1);
        }

        return new LinearStageCost(intercept, slope);
    }
}
