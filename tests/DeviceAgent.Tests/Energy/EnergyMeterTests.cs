namespace EdgeSplit.DeviceAgent.Tests.Energy;

public sealed class EnergyMeterTests
{
    // An exchange on a 1 MB/s link: 10,000 bytes up (10 ms), 1,000 down (1 ms), answered 30 ms after the first byte.
    private const long Up = 10_000;
    private const long Down = 1_000;
    private const double BytesPerMs = 1_000;
    private const double WindowMs = 30;
    private const double GapMs = WindowMs - 11;

    private readonly FakeTimeProvider _clock = new();

    private EnergyMeter Meter(RadioPower radio) => new(new PowerModel { DeviceComputeWatts = 2.5, IdleWaitWatts = 0.3, Radio = radio }, _clock);

    /// <summary>Sends now, advances the clock by the exchange, and charges it.</summary>
    private DeviceSpend Exchange(EnergyMeter meter, double headMs = 5, double computeWhileWaitingMs = 0)
    {
        var from = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(WindowMs));
        return meter.Charge(new RequestUsage(headMs, computeWhileWaitingMs, Up, Down, BytesPerMs, from, _clock.GetTimestamp(), computeWhileWaitingMs, 40));
    }

    private static double Active(RadioPower radio) => radio.ActiveMillijoules(Up, Down, 11);

    [Fact]
    public void Charge_LocalRequest_ComputeOnlyAndNothingSaved()
    {
        var spend = Meter(RadioPower.Lte).Charge(RequestUsage.Local(12, 12));

        Assert.Equal(12, spend.HeadMs);
        Assert.Equal(0, spend.TailMs);
        Assert.Equal(30, spend.ComputeMillijoules, 9);
        Assert.Equal(0, spend.RadioMillijoules);
        Assert.Equal(0, spend.WaitMillijoules);
        Assert.Equal(30, spend.LocalMillijoules, 9);
        Assert.Equal(0, spend.SavedMillijoules, 9);
    }

    [Fact]
    public void Charge_RadioAsleep_PaysActivePowerTheWaitAndTheWholeTail()
    {
        var meter = Meter(RadioPower.Lte);

        var spend = Exchange(meter);

        // Active while bytes move, the high-power state between request and reply, then the full 11.576 s tail.
        Assert.Equal(Active(RadioPower.Lte) + (RadioPower.Lte.TailWatts * (GapMs + 11_576)), spend.RadioMillijoules, 6);
        Assert.Equal(2.5 * 5, spend.ComputeMillijoules, 9);
        Assert.Equal(GapMs, spend.WaitMs, 9);
        Assert.Equal(0.3 * GapMs, spend.WaitMillijoules, 9);
        Assert.Equal(2.5 * 40, spend.LocalMillijoules, 9);
        Assert.Equal(11_576, meter.RadioTailLeftMs, 6);
    }

    [Fact]
    public void Charge_RadioStillInItsTail_PaysOnlyTheExtension()
    {
        var meter = Meter(RadioPower.Lte);
        Exchange(meter);
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(11_576 - 2_000, meter.RadioTailLeftMs, 6);
        var second = Exchange(meter);

        // The tail now ends 2,030 ms later than it would have: that extension is all this request adds.
        Assert.Equal(Active(RadioPower.Lte) + (RadioPower.Lte.TailWatts * 2_030), second.RadioMillijoules, 6);
        Assert.Equal(11_576, meter.RadioTailLeftMs, 6);
    }

    [Fact]
    public void Charge_TailExpired_PaysTheWholeTailAgain()
    {
        var meter = Meter(RadioPower.Wifi);
        var first = Exchange(meter);
        _clock.Advance(TimeSpan.FromSeconds(1)); // Wi-Fi's tail is 238 ms
        Assert.Equal(0, meter.RadioTailLeftMs);

        var second = Exchange(meter);

        Assert.Equal(first.RadioMillijoules, second.RadioMillijoules, 9);
        Assert.Equal(Active(RadioPower.Wifi) + (RadioPower.Wifi.TailWatts * (GapMs + 238.1)), second.RadioMillijoules, 6);
    }

    [Fact]
    public void Charge_HedgedTailRanWhileWaiting_IdleWaitExcludesIt()
    {
        var spend = Exchange(Meter(RadioPower.Wifi), computeWhileWaitingMs: 15);

        Assert.Equal(15, spend.TailMs);
        Assert.Equal(2.5 * 20, spend.ComputeMillijoules, 9);
        Assert.Equal(GapMs - 15, spend.WaitMs, 9);
    }

    [Fact]
    public void Charge_NoRadio_OnlyComputeAndWait()
    {
        var spend = Exchange(Meter(RadioPower.None));

        Assert.Equal(0, spend.RadioMillijoules);
        Assert.Equal((2.5 * 5) + (0.3 * GapMs), spend.Millijoules, 9);
        Assert.Equal((2.5 * 40) - spend.Millijoules, spend.SavedMillijoules, 9);
    }

    [Fact]
    public void Charge_ManyConcurrentRequestsInOneWindow_TailChargedOnce()
    {
        var meter = Meter(RadioPower.Lte);
        var from = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(WindowMs));
        var until = _clock.GetTimestamp();

        var spends = new DeviceSpend[64];
        Parallel.For(0, spends.Length, i => spends[i] = meter.Charge(new RequestUsage(5, 0, Up, Down, BytesPerMs, from, until, 0, 40)));

        // The same exchange 64 times at once: active power 64 times, the radio's wait and tail once.
        Assert.Equal((64 * Active(RadioPower.Lte)) + (RadioPower.Lte.TailWatts * (GapMs + 11_576)), spends.Sum(s => s.RadioMillijoules), 3);
    }
}
