namespace EdgeSplit.DeviceAgent.Tests.Energy;

public sealed class RadioPowerTests
{
    [Fact]
    public void Presets_HuangEtAl2012_PinPublishedFigures()
    {
        // Huang et al., MobiSys 2012: alpha_u, alpha_d (W/Mbps), beta (W), tail power (W) and tail time (s).
        Assert.Equal(new RadioPower("lte", 1.28804, 0.43839, 0.05197, 1.060, 11.576), RadioPower.Lte);
        Assert.Equal(new RadioPower("wifi", 0.13286, 0.28317, 0.13701, 0.1193, 0.2381), RadioPower.Wifi);
        Assert.Equal(new RadioPower("3g", 0.81788, 0.86898, 0.12212, 0.8039, 8.088), RadioPower.ThreeG);
        Assert.Equal(new RadioPower("none", 0, 0, 0, 0, 0), RadioPower.None);
        // 5G: approximations; what matters is its shape: costlier than LTE while up, far cheaper per bit, LTE-like tail.
        Assert.True(RadioPower.FiveG.BaseWatts > RadioPower.Lte.BaseWatts);
        Assert.True(RadioPower.FiveG.UplinkWattsPerMbps < RadioPower.Lte.UplinkWattsPerMbps / 5);
        Assert.InRange(RadioPower.FiveG.TailSeconds, 5, 15);
    }

    [Theory]
    [InlineData("wifi", "wifi")]
    [InlineData("LTE", "lte")]
    [InlineData(" 5g ", "5g")]
    [InlineData("3G", "3g")]
    [InlineData("none", "none")]
    public void Named_KnownName_ReturnsPreset(string name, string expected)
    {
        Assert.Equal(expected, RadioPower.Named(name).Name);
    }

    [Fact]
    public void Named_UnknownName_ThrowsNamingTheValidOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => RadioPower.Named("4g"));

        Assert.Contains("'4g'", error.Message);
        Assert.Contains("wifi, 5g, lte, 3g, none", error.Message);
    }

    [Fact]
    public void ActiveMillijoules_OneMegabitEachWay_PerMegabitTermsPlusBasePowerForTheTime()
    {
        // 125,000 bytes = 1 Mbit each way, moved in 100 ms.
        var mj = RadioPower.Lte.ActiveMillijoules(125_000, 125_000, 100);

        Assert.Equal(438.39 + 51.97 + (1288.04 * 0.1), mj, 6);
    }
}
