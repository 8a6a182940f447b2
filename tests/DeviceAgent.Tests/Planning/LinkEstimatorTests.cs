using EdgeSplit.DeviceAgent.Planning;

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

    [Fact]
    public void Snapshot_NoObservations_IsUnknownPrior()
    {
        var link = new LinkEstimator(Options, new FakeTimeProvider());

        var snapshot = link.Snapshot();

        Assert.Equal(100, snapshot.RttMs);
        Assert.Equal(250, snapshot.BytesPerMs);
        Assert.Equal(0, snapshot.Confidence);
    }

    [Fact]
    public void ObserveTransfer_LargePayloadsAfterRtt_LearnsThroughput()
    {
        var link = new LinkEstimator(Options, new FakeTimeProvider());
        link.ObserveRoundTrip(10);

        // 100 KB in 10 ms RTT + 100 ms transfer: 1000 bytes/ms.
        for (var i = 0; i < 10; i++)
        {
            link.ObserveTransfer(100_000, 110);
        }

        var snapshot = link.Snapshot();
        Assert.Equal(10, snapshot.RttMs, 6);
        Assert.Equal(1000, snapshot.BytesPerMs, 0);
        Assert.Equal(1, snapshot.Confidence);
    }

    [Fact]
    public void ObserveTransfer_FastLinkSmallCalls_ThroughputRisesFromPrior()
    {
        var link = new LinkEstimator(Options, new FakeTimeProvider());
        link.ObserveRoundTrip(1);

        for (var i = 0; i < 20; i++)
        {
            link.ObserveTransfer(30_000, 1.1);
        }

        // 30 KB in ~0.1 ms beyond the RTT: at least tens of MB/s, far above the 250 B/ms prior.
        Assert.True(link.Snapshot().BytesPerMs > 50_000);
        Assert.True(link.Snapshot().RttMs < 1.5);
    }

    [Fact]
    public void ObserveTransfer_LinkSlowsDown_EstimateFollowsWithinAFewCalls()
    {
        var link = new LinkEstimator(Options, new FakeTimeProvider());
        link.ObserveRoundTrip(1);
        for (var i = 0; i < 10; i++)
        {
            link.ObserveTransfer(30_000, 1.3);
        }

        // A 200x slowdown: one sample may move the estimate 3x at most (stall guard), so it takes ~10 calls.
        for (var i = 0; i < 10; i++)
        {
            link.ObserveTransfer(30_000, 61); // 30 KB in 60 ms: 500 B/ms
        }

        Assert.InRange(link.Snapshot().BytesPerMs, 450, 600);
    }

    [Fact]
    public void Snapshot_StaleMeasurements_DecayTowardPriorAndLoseConfidence()
    {
        var clock = new FakeTimeProvider();
        var link = new LinkEstimator(Options, clock);
        link.ObserveRoundTrip(2);
        link.ObserveTransfer(100_000, 12); // 10 KB/ms

        clock.Advance(TimeSpan.FromSeconds(10)); // stale for one half-life

        var snapshot = link.Snapshot();
        Assert.Equal(51, snapshot.RttMs, 6);
        Assert.Equal(0.5, snapshot.Confidence, 6);
        // Throughput decays in time-per-byte space: halfway between 1/250 and 1/10000 ms per byte.
        Assert.Equal(1 / (((1 / 250.0) + (1 / 10_000.0)) / 2), snapshot.BytesPerMs, 6);
    }
}
