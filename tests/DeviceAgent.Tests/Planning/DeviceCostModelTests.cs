namespace EdgeSplit.DeviceAgent.Tests.Planning;

public sealed class DeviceCostModelTests
{
    [Fact]
    public void Fit_ExactLinearSamples_RecoversFixedAndPerToken()
    {
        var fit = LinearStageCost.Fit([(8, 1.0 + (0.1 * 8)), (32, 1.0 + (0.1 * 32)), (96, 1.0 + (0.1 * 96))]);

        Assert.Equal(1.0, fit.FixedMs, 9);
        Assert.Equal(0.1, fit.PerTokenMs, 9);
    }

    [Fact]
    public void Fit_NegativeInterceptFromNoise_ClampedToOrigin()
    {
        var fit = LinearStageCost.Fit([(8, 0.1), (96, 9.9)]);

        Assert.Equal(0, fit.FixedMs);
        Assert.True(fit.PerTokenMs > 0);
        Assert.True(fit.At(4) >= 0);
    }

    [Fact]
    public void Observe_DeviceBecomesThreeTimesSlower_PredictionFollows()
    {
        var model = new DeviceCostModel([new(0.1, 0.01), new(0.5, 0.05), new(0.01, 0.001)], alpha: 0.5);
        var before = model.Predict(20);

        for (var i = 0; i < 10; i++)
        {
            model.Observe(0, 3, 20, before.Select(ms => ms * 3).ToArray());
        }

        var after = model.Predict(20);
        for (var s = 0; s < 3; s++)
        {
            Assert.Equal(before[s] * 3, after[s], 2);
        }
    }

    [Fact]
    public void Observe_OnlyHeadStages_TailPredictionUnchanged()
    {
        var model = new DeviceCostModel([new(0.1, 0.01), new(0.5, 0.05), new(0.01, 0.001)], alpha: 0.5);
        var before = model.Predict(20);

        model.Observe(0, 1, 20, [10.0, 0, 0]);

        var after = model.Predict(20);
        Assert.True(after[0] > before[0]);
        Assert.Equal(before[1], after[1]);
        Assert.Equal(before[2], after[2]);
    }
}
