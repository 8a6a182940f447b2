namespace EdgeSplit.DeviceAgent.Tests.Planning;

public sealed class DecayingEstimateTests
{
    private static readonly EstimatorOptions Options = new()
    {
        Alpha = 0.5,
        StaleAfter = TimeSpan.FromSeconds(5),
        StaleHalfLife = TimeSpan.FromSeconds(2),
    };

    // xunit builds the class anew for each test: every test starts with a fresh clock and an estimate with prior 100.
    private readonly FakeTimeProvider _clock = new();
    private readonly DecayingEstimate _estimate = new(100, Options);

    private DateTimeOffset Now => _clock.GetUtcNow();

    [Fact]
    public void Value_NeverObserved_IsPriorWithZeroConfidence()
    {
        Assert.Equal(100, _estimate.Value(Now));
        Assert.Equal(0, _estimate.Confidence(Now));
    }

    [Fact]
    public void Observe_FirstThenSecond_ReplacesPriorThenSmooths()
    {
        _estimate.Observe(10, Now);
        Assert.Equal(10, _estimate.Value(Now));

        _estimate.Observe(20, Now);
        Assert.Equal(15, _estimate.Value(Now), 9);
    }

    [Fact]
    public void Value_StaleByOneHalfLife_HalfwayBackToPrior()
    {
        _estimate.Observe(10, Now);

        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(10, _estimate.Value(Now), 9);

        _clock.Advance(TimeSpan.FromSeconds(0.1 + 2));
        Assert.Equal(0.5, _estimate.Confidence(Now), 9);
        Assert.Equal(55, _estimate.Value(Now), 9);

        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(100, _estimate.Value(Now), 3);
    }

    [Fact]
    public void Observe_AfterStaleness_StartsFromDecayedValue()
    {
        _estimate.Observe(10, Now);
        _clock.Advance(TimeSpan.FromSeconds(7)); // decayed to 55

        _estimate.Observe(20, Now);

        Assert.Equal(37.5, _estimate.Value(Now), 9);
        Assert.Equal(1, _estimate.Confidence(Now));
    }

    [Fact]
    public void Observe_SingleOutlier_MovesEstimateAtMostThreefold()
    {
        _estimate.Observe(10, Now);

        _estimate.Observe(1000, Now);

        Assert.Equal(20, _estimate.Value(Now), 9);
    }

    [Fact]
    public void Observe_EstimateMostlyBackToPrior_SampleReplacesIt()
    {
        _estimate.Observe(80, Now);
        _clock.Advance(TimeSpan.FromSeconds(10)); // confidence 2^-2.5 < 0.5: ~96, mostly prior

        _estimate.Observe(2, Now);

        // Neither winsorized toward 96 nor smoothed: a recovered link must look recovered at once.
        Assert.Equal(2, _estimate.Value(Now), 9);
    }

    [Fact]
    public void Observe_NonFiniteSample_Ignored()
    {
        _estimate.Observe(double.NaN, Now);

        Assert.False(_estimate.HasValue);
    }
}
