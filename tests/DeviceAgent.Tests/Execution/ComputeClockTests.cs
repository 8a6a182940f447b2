namespace EdgeSplit.DeviceAgent.Tests.Execution;

public sealed class ComputeClockTests
{
    [Fact]
    public async Task HeadAsync_RecordsItsDurationAndEnd()
    {
        var time = new FakeTimeProvider();
        var clock = new ComputeClock(time);

        var value = await clock.HeadAsync(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(12));
            return Task.FromResult(7);
        });

        Assert.Equal(7, value);
        Assert.Equal(12, clock.HeadMs, 9);
        Assert.Equal(time.GetTimestamp(), clock.HeadEndedAt);
        Assert.Equal(0, clock.TailMs);
        Assert.Null(clock.TailStartedAt);
    }

    [Fact]
    public async Task TailAsync_CancelledPartWay_CountsUntilTheCancellationRequest()
    {
        var time = new FakeTimeProvider();
        var clock = new ComputeClock(time);
        using var stop = new CancellationTokenSource();
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var tail = clock.TailAsync(s => never.Task.WaitAsync(s), stop.Token);
        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(40, clock.TailMs, 9); // still running: counts to now
        await stop.CancelAsync();
        time.Advance(TimeSpan.FromMilliseconds(500)); // the cancelled stage winding down is not charged

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tail);
        Assert.Equal(40, clock.TailMs, 9);
    }

    [Fact]
    public async Task TailAsync_RunsToTheEnd_CountsItsWholeDuration()
    {
        var time = new FakeTimeProvider();
        var clock = new ComputeClock(time);

        await clock.TailAsync(
            _ =>
            {
                time.Advance(TimeSpan.FromMilliseconds(25));
                return Task.FromResult(0);
            },
            CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(25, clock.TailMs, 9);
    }
}
