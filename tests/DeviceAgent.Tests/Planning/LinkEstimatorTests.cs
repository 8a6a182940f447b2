namespace EdgeSplit.DeviceAgent.Tests.Planning;

public sealed class LinkEstimatorTests
{
    private static readonly EstimatorOptions Options = new()
    {
        Alpha = 0.5,
        StaleAfter = TimeSpan.FromSeconds(5),
        StaleHalfLife = TimeSpan.FromSeconds(5),
        RttPriorMs = 100,
        ThroughputPriorBytesPerMs = 250,
    };

    // xunit builds the class anew for each test: every test starts with a fresh clock and an estimator at the priors.
    private readonly FakeTimeProvider _clock = new();
    private readonly LinkEstimator _link;

    public LinkEstimatorTests() => _link = new LinkEstimator(Options, _clock);

    [Fact]
    public void Snapshot_NoObservations_IsUnknownPrior()
    {
        var snapshot = _link.Snapshot();

        Assert.Equal(100, snapshot.RttMs);
        Assert.Equal(250, snapshot.BytesPerMs);
        Assert.Equal(0, snapshot.Confidence);
    }

    [Fact]
    public void ObserveTransfer_LargePayloadsAfterRtt_LearnsThroughput()
    {
        _link.ObserveRoundTrip(10);

        // 100 KB in 10 ms RTT + 100 ms transfer: 1000 bytes/ms.
        ObserveTransfers(10, 100_000, 110);

        var snapshot = _link.Snapshot();
        Assert.Equal(10, snapshot.RttMs, 6);
        Assert.Equal(1000, snapshot.BytesPerMs, 0);
        Assert.Equal(1, snapshot.Confidence);
    }

    [Fact]
    public void ObserveTransfer_FastLinkSmallCalls_ThroughputRisesFromPrior()
    {
        _link.ObserveRoundTrip(1);

        ObserveTransfers(20, 30_000, 1.1);

        // 30 KB in ~0.1 ms beyond the RTT: at least tens of MB/s, far above the 250 B/ms prior.
        Assert.True(_link.Snapshot().BytesPerMs > 50_000);
        Assert.True(_link.Snapshot().RttMs < 1.5);
    }

    [Fact]
    public void ObserveTransfer_LinkSlowsDown_EstimateFollowsWithinAFewCalls()
    {
        _link.ObserveRoundTrip(1);
        ObserveTransfers(10, 30_000, 1.3);

        // A 200x slowdown: one sample may move the estimate 3x at most (stall guard), so it takes ~10 calls.
        ObserveTransfers(10, 30_000, 61); // 30 KB in 60 ms: 500 B/ms

        Assert.InRange(_link.Snapshot().BytesPerMs, 450, 600);
    }

    [Fact]
    public void Snapshot_StaleMeasurements_DecayTowardPriorAndLoseConfidence()
    {
        _link.ObserveRoundTrip(2);
        _link.ObserveTransfer(100_000, 12); // 10 KB/ms

        _clock.Advance(TimeSpan.FromSeconds(10)); // stale for one half-life

        var snapshot = _link.Snapshot();
        Assert.Equal(51, snapshot.RttMs, 6);
        Assert.Equal(0.5, snapshot.Confidence, 6);
        // Throughput decays in time-per-byte space: halfway between 1/250 and 1/10000 ms per byte.
        Assert.Equal(1 / (((1 / 250.0) + (1 / 10_000.0)) / 2), snapshot.BytesPerMs, 6);
    }

    private void ObserveTransfers(int count, long bytes, double ms)
    {
        for (var i = 0; i < count; i++)
        {
            _link.ObserveTransfer(bytes, ms);
        }
    }
}
