using EdgeSplit.DeviceAgent.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Tests.Execution;

public sealed class DeviceAgentOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new DeviceAgentOptionsValidator().Validate(null, new DeviceAgentOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_TokenIdsWithoutPermission_Fails()
    {
        var options = new DeviceAgentOptions();
        options.Planner.MinDeviceStages = 0;

        var result = new DeviceAgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("AllowTokenIds", result.FailureMessage);
    }

    [Fact]
    public void Validate_NestedValueOutOfRange_NamesThePath()
    {
        var options = new DeviceAgentOptions();
        options.Resilience.HedgeSlack = 0.5;
        options.Planner.Power.IdleWaitWatts = -1;

        var result = new DeviceAgentOptionsValidator().Validate(null, options);

        Assert.Contains("DeviceAgent.Resilience.HedgeSlack", result.FailureMessage);
        Assert.Contains("DeviceAgent.Planner.Power.IdleWaitWatts", result.FailureMessage);
    }

    [Fact]
    public void Validate_NegativeFallbackCapOrPrecisionFraction_NamesBoth()
    {
        var options = new DeviceAgentOptions();
        options.Resilience.MaxFallbackOverhead = -0.1;
        options.Planner.PrecisionBudgetFraction = -1;

        var result = new DeviceAgentOptionsValidator().Validate(null, options);

        Assert.Contains("DeviceAgent.Resilience.MaxFallbackOverhead", result.FailureMessage);
        Assert.Contains("DeviceAgent.Planner.PrecisionBudgetFraction", result.FailureMessage);
    }

    [Fact]
    public void AddDeviceAgent_InvalidOptions_ThrowsWhenOptionsResolved()
    {
        using var provider = new ServiceCollection()
            .AddDeviceAgent(o => o.Estimators.Alpha = 2)
            .Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DeviceAgentOptions>>().Value);
        Assert.Contains("Alpha", error.Message);
    }
}
