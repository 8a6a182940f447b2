using EdgeSplit.DeviceAgent.Planning;

namespace EdgeSplit.DeviceAgent.Tests.Planning;

public sealed class DecayingEstimateTests
{
    private static readonly EstimatorOptions Options = new()
    {
        Alpha = 0.5,
        StaleAfter = TimeSpan.FromSeconds(5),
        StaleHalfLife = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public void Value_NeverObserved_IsPriorWithZeroConfidence()
    {
        var clock = new FakeTimeProvider();
        var estimate = new DecayingEstimate(100, Options);

        Assert.Equal(100, estimate.Value(clock.GetUtcNow()));
        Assert.Equal(0, estimate.Confidence(clock.GetUtcNow()));
    }

    [Fact]
    public void Observe_FirstThenSecond_ReplacesPriorThenSmooths()
    {
        var clock = new FakeTimeProvider();
        var estimate = new DecayingEstimate(100, Options);

        estimate.Observe(10, clock.GetUtcNow());
        Assert.Equal(10, estimate.Value(clock.GetUtcNow()));

        estimate.Observe(20, clock.GetUtcNow());
        Assert.Equal(15, estimate.Value(clock.GetUtcNow()), 9);
    }

    [Fact]
    public void Value_StaleByOneHalfLife_HalfwayBackToPrior()
    {
        var clock = new FakeTimeProvider();
        var estimate = new DecayingEstimate(100, Options);
        estimate.Observe(10, clock.GetUtcNow());

        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(10, estimate.Value(clock.GetUtcNow()), 9);

        clock.Advance(TimeSpan.FromSeconds(0.1 + 2));
        Assert.Equal(0.5, estimate.Confidence(clock.GetUtcNow()), 9);
        Assert.Equal(55, estimate.Value(clock.GetUtcNow()), 9);

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(100, estimate.Value(clock.GetUtcNow()), 3);
    }

    [Fact]
    public void Observe_AfterStaleness_StartsFromDecayedValue()
    {
        var clock = new FakeTimeProvider();
        var estimate = new DecayingEstimate(100, Options);
        estimate.Observe(10, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(7)); // decayed to 55

        estimate.Observe(20, clock.GetUtcNow());

        Assert.Equal(37.5, estimate.Value(clock.GetUtcNow()), 9);
        Assert.Equal(1, estimate.Confidence(clock.GetUtcNow()));
    }

    [Fact]
    public void Observe_SingleOutlier_MovesEstimateAtMostThreefold()
    {
        var clock = new FakeTimeProvider();
        var estimate = new DecayingEstimate(100, Options);
        estimate.Observe(10, clock.GetUtcNow());

        estimate.Observe(1000, clock.GetUtcNow());

        Assert.Equal(20, estimate.Value(clock.GetUtcNow()), 9);
    }

    [Fact]
    public void Observe_EstimateMostlyBackToPrior_SampleReplacesIt()
    {
        var clock = new FakeTimeProvider();
        var estimate = new DecayingEstimate(100, Options);
        estimate.Observe(80, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(10)); // confidence 2^-2.5 < 0.5: ~96, mostly prior

        estimate.Observe(2, clock.GetUtcNow());

        // Neither winsorized toward 96 nor smoothed: a recovered link must look recovered at once.
        Assert.Equal(2, estimate.Value(clock.GetUtcNow()), 9);
    }

    [Fact]
    public void Observe_NonFiniteSample_Ignored()
    {
        var clock = new FakeTimeProvider();
        var estimate = new DecayingEstimate(100, Options);

        estimate.Observe(double.NaN, clock.GetUtcNow());

        Assert.False(estimate.HasValue);
    }
}
