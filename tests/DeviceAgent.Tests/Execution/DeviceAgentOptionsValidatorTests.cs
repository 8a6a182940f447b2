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
    public void Validate_ZeroStallToleranceOrNegativePrecisionFraction_NamesBoth()
    {
        var options = new DeviceAgentOptions();
        options.Resilience.StallToleranceMs = 0;
        options.Planner.PrecisionBudgetFraction = -1;

        var result = new DeviceAgentOptionsValidator().Validate(null, options);

        Assert.Contains("DeviceAgent.Resilience.StallToleranceMs", result.FailureMessage);
        Assert.Contains("DeviceAgent.Planner.PrecisionBudgetFraction", result.FailureMessage);
    }

    [Fact]
    public void ResilienceOptions_HedgeDefaults_ArePinned()
    {
        var options = new EdgeSplit.DeviceAgent.Resilience.ResilienceOptions();

        Assert.True(options.Hedge);
        Assert.Equal(2, options.HedgeSlack);
        Assert.Equal(25, options.HedgeMarginMs);
        Assert.Equal(20, options.StallToleranceMs);
        Assert.Equal(TimeSpan.FromSeconds(1), EdgeSplit.DeviceAgent.Edge.GrpcEdgeTransport.KeepAlivePingDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), EdgeSplit.DeviceAgent.Edge.GrpcEdgeTransport.KeepAlivePingTimeout);
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
