using EdgeSplit.Gateway.Fairness;

namespace EdgeSplit.Gateway.Tests.Security;

public sealed class LimitsOptionsTests
{
    [Fact]
    public void Defaults_ArePinnedAndValid()
    {
        var options = new LimitsOptions();

        Assert.Equal(4096, options.MaxConcurrentCalls);
        AssertTier(options.Tiers[DeviceClaims.StandardTier], 20, 40, 4, 16);
        AssertTier(options.Tiers[DeviceClaims.BulkTier], 200, 400, 16, 64);
        AssertTier(options.Tiers[LimitsOptions.AnonymousTier], 0, 0, 0, 0);
        Assert.Empty(OptionsErrors.Of(options));
    }

    [Theory]
    [InlineData(nameof(TierLimits.RequestsPerSecond), -1, "EdgeSplit:Limits:Tiers:standard:RequestsPerSecond must be between 0 (unlimited) and 1000000.")]
    [InlineData(nameof(TierLimits.RequestsPerSecond), double.NaN, "EdgeSplit:Limits:Tiers:standard:RequestsPerSecond must be between 0 (unlimited) and 1000000.")]
    [InlineData(nameof(TierLimits.Burst), 1_000_001, "EdgeSplit:Limits:Tiers:standard:Burst must be between 0 and 1000000.")]
    [InlineData(nameof(TierLimits.MaxStreams), 10_001, "EdgeSplit:Limits:Tiers:standard:MaxStreams must be between 0 (unlimited) and 10000.")]
    [InlineData(nameof(TierLimits.MaxQueued), -1, "EdgeSplit:Limits:Tiers:standard:MaxQueued must be between 0 (unlimited) and 1000000.")]
    public void TierLimit_OutOfRange_FailsNamingTheTiersKey(string property, double value, string expected)
    {
        var options = new LimitsOptions();
        var tier = options.Tiers[DeviceClaims.StandardTier];
        var info = typeof(TierLimits).GetProperty(property)!;
        info.SetValue(tier, info.PropertyType == typeof(int) ? (object)(int)value : value);

        Assert.Equal([expected], OptionsErrors.Of(options));
    }

    [Fact]
    public void MaxConcurrentCalls_Zero_FailsNamingTheKey()
    {
        Assert.Equal(["EdgeSplit:Limits:MaxConcurrentCalls must be between 1 and 1000000."], OptionsErrors.Of(new LimitsOptions { MaxConcurrentCalls = 0 }));
    }

    [Fact]
    public void MissingTier_FailsNamingIt()
    {
        var options = new LimitsOptions();
        options.Tiers.Remove(DeviceClaims.BulkTier);

        Assert.Equal(["EdgeSplit:Limits:Tiers:bulk is missing."], OptionsErrors.Of(options));
    }

    private static void AssertTier(TierLimits tier, double rate, int burst, int streams, int queued)
    {
        Assert.Equal(rate, tier.RequestsPerSecond);
        Assert.Equal(burst, tier.Burst);
        Assert.Equal(streams, tier.MaxStreams);
        Assert.Equal(queued, tier.MaxQueued);
    }
}
