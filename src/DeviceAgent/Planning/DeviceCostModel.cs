namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Per-stage device cost: the linear shape (fixed + per token) comes from the start-up profile, and a
/// per-stage EWMA multiplier follows every real local run, so thermal throttling, a busy CPU or a
/// slower device show up within a few requests without refitting. Thread-safe.
/// </summary>
internal sealed class DeviceCostModel
{
    private readonly LinearStageCost[] _profile;
    private readonly double[] _scale;
    private readonly double _alpha;
    private readonly Lock _lock = new();

    public DeviceCostModel(IReadOnlyList<LinearStageCost> profile, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfZero(profile.Count);
        _profile = [.. profile];
        _scale = Enumerable.Repeat(1.0, profile.Count).ToArray();
        _alpha = alpha;
    }

    public int StageCount => _profile.Length;

    public IReadOnlyList<LinearStageCost> Profile => _profile;

    /// <summary>Predicted milliseconds of each stage for <paramref name="tokens"/> tokens.</summary>
    public double[] Predict(int tokens)
    {
        lock (_lock)
        {
            var result = new double[_profile.Length];
            for (var s = 0; s < result.Length; s++)
            {
                result[s] = _profile[s].At(tokens) * _scale[s];
            }

            return result;
        }
    }

    /// <summary>Feeds the measured per-stage times of a local run of stages [from, to).</summary>
    public void Observe(int from, int to, int tokens, IReadOnlyList<double> stageMs)
    {
        lock (_lock)
        {
            for (var s = from; s < to && s < _profile.Length; s++)
            {
                var baseline = _profile[s].At(tokens);
                if (baseline <= 1e-6 || !double.IsFinite(stageMs[s]) || stageMs[s] < 0)
                {
                    continue;
                }

                // Clamp one sample's ratio so a GC pause or a scheduler hiccup cannot swing the model 100x.
                var ratio = Math.Clamp(stageMs[s] / baseline, 0.1, 20);
                _scale[s] += _alpha * (ratio - _scale[s]);
            }
        }
    }
}
