namespace EdgeSplit.DeviceAgent.Tests.Planning;

public sealed class EdgeCostEstimatorTests
{
    private static readonly double[] DeviceMs = Scenario.Device(2.0);

    private static EdgeLoad Load(double queueMs = 0, params double[] msPerToken) => new(0, 0, msPerToken, queueMs);

    [Fact]
    public void Snapshot_BeforeAnyReport_UsesDeviceRelativePrior()
    {
        var edge = new EdgeCostEstimator(new EstimatorOptions { EdgeSpeedupPrior = 4, EdgeQueuePriorMs = 5 }, new FakeTimeProvider());

        var snapshot = edge.Snapshot(16, DeviceMs);

        Assert.Equal(DeviceMs[3] / 4, snapshot.StageMs[3], 9);
        Assert.Equal(5, snapshot.QueueMs);
    }

    [Fact]
    public void ObserveLoad_StageMsPerToken_ScalesWithTokens()
    {
        var edge = new EdgeCostEstimator(new EstimatorOptions(), new FakeTimeProvider());
        edge.ObserveLoad(Load(0, 0.01, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.001));

        var snapshot = edge.Snapshot(20, DeviceMs);

        Assert.Equal(1.0, snapshot.StageMs[2], 9);
        Assert.Equal(0.02, snapshot.StageMs[7], 9);
    }

    [Fact]
    public void ObserveAnswer_ComputeSlowerThanReport_CorrectsPrediction()
    {
        var edge = new EdgeCostEstimator(new EstimatorOptions { Alpha = 1 }, new FakeTimeProvider());
        var load = Load(0, 0.01, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.001);
        edge.ObserveLoad(load);

        // Stages [1,8) for 10 tokens are reported at 3.01 ms; the reply says 6.02 ms.
        edge.ObserveAnswer(new EdgeAnswer("r", [new float[384]], 0, 6.02, 1000, load, "h"), 1, 10, DeviceMs);

        Assert.Equal(1.0, edge.Snapshot(10, DeviceMs).StageMs[1], 6);
    }

    [Fact]
    public void ObserveAnswer_QueueTime_RaisesQueueEstimate()
    {
        var edge = new EdgeCostEstimator(new EstimatorOptions { Alpha = 1 }, new FakeTimeProvider());

        edge.ObserveAnswer(new EdgeAnswer("r", [new float[384]], 30, 1, 1000, Load(25), "h"), 1, 10, DeviceMs);

        Assert.Equal(30, edge.Snapshot(10, DeviceMs).QueueMs);
    }

    [Fact]
    public void ObserveBusy_RetryAfter_CountsAsQueueUntilItExpires()
    {
        var clock = new FakeTimeProvider();
        var edge = new EdgeCostEstimator(new EstimatorOptions { EdgeQueuePriorMs = 0 }, clock);

        edge.ObserveBusy(TimeSpan.FromMilliseconds(500));
        Assert.Equal(500, edge.Snapshot(10, DeviceMs).QueueMs, 6);

        clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(100, edge.Snapshot(10, DeviceMs).QueueMs, 6);

        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, edge.Snapshot(10, DeviceMs).QueueMs, 6);
    }

    [Fact]
    public void Snapshot_QueueMeasuredLongAgo_DecaysTowardPrior()
    {
        var clock = new FakeTimeProvider();
        var options = new EstimatorOptions { Alpha = 1, EdgeQueuePriorMs = 5, StaleAfter = TimeSpan.FromSeconds(1), StaleHalfLife = TimeSpan.FromSeconds(1) };
        var edge = new EdgeCostEstimator(options, clock);
        edge.ObserveAtLeast(205);

        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(105, edge.Snapshot(10, DeviceMs).QueueMs, 6);
    }
}
