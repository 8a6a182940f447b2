namespace EdgeSplit.Gateway.Tests.Edge;

public sealed class EdgeNodeOptionsTests
{
    [Fact]
    public void HostileClientLimits_Defaults_ArePinned()
    {
        var options = new EdgeNodeOptions();

        Assert.Equal(4 * 1024 * 1024, options.MaxStreamReplyBytes);
        Assert.Equal(65504, options.MaxActivationMagnitude);
        Assert.False(options.CpuMemoryArena);
        Assert.Empty(OptionsErrors.Of(options));
    }

    [Theory]
    [InlineData(nameof(EdgeNodeOptions.MaxStreamReplyBytes), 1000, "EdgeSplit:Edge:MaxStreamReplyBytes must be between 65536 and 1073741824.")]
    [InlineData(nameof(EdgeNodeOptions.MaxActivationMagnitude), 0.5, "EdgeSplit:Edge:MaxActivationMagnitude must be between 1 and 3e38.")]
    public void HostileClientLimits_OutOfRange_FailNamingTheKey(string property, double value, string expected)
    {
        var options = new EdgeNodeOptions();
        var info = typeof(EdgeNodeOptions).GetProperty(property)!;
        info.SetValue(options, Convert.ChangeType(value, info.PropertyType, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Contains(expected, OptionsErrors.Of(options));
    }
}
