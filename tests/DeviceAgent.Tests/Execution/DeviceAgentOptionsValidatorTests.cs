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

        Assert.Contains("DeviceAgentOptions.Resilience.HedgeSlack", result.FailureMessage);
        Assert.Contains("DeviceAgentOptions.Planner.Power.IdleWaitWatts", result.FailureMessage);
    }

    [Fact]
    public void Validate_ZeroStallToleranceOrNegativePrecisionFraction_NamesBoth()
    {
        var options = new DeviceAgentOptions();
        options.Resilience.StallToleranceMs = 0;
        options.Planner.PrecisionBudgetFraction = -1;

        var result = new DeviceAgentOptionsValidator().Validate(null, options);

        Assert.Contains("DeviceAgentOptions.Resilience.StallToleranceMs", result.FailureMessage);
        Assert.Contains("DeviceAgentOptions.Planner.PrecisionBudgetFraction", result.FailureMessage);
    }

    [Fact]
    public void Validate_EverySectionAndRuleBroken_ReportsEachOnceByItsPath()
    {
        // The generated validator walks every nested section: the radio three levels down, a TimeSpan range, and
        // each section's cross-field rule.
        var options = new DeviceAgentOptions { ProfileLengths = [2, 8] };
        options.Planner.MinDeviceStages = 0;
        options.Planner.Power.Radio = options.Planner.Power.Radio with { TailSeconds = -2 };
        options.Estimators.Alpha = 2;
        options.Resilience.LatencyBudget = TimeSpan.FromHours(5);
        options.Resilience.ProbeMaxDelay = TimeSpan.FromMilliseconds(1);

        var result = new DeviceAgentOptionsValidator().Validate(null, options);

        Assert.Equal(
            [
                "Alpha: The field DeviceAgentOptions.Estimators.Alpha must be between 0.01 and 1.",
                "LatencyBudget: The field DeviceAgentOptions.Resilience.LatencyBudget must be between 00:00:00.0100000 and 00:10:00.",
                "MinDeviceStages: 0 sends raw token ids: set AllowTokenIds to true to allow it.",
                "ProbeMaxDelay: must not be shorter than ProbeInitialDelay.",
                "ProfileLengths: every length must be at least 3 tokens ([CLS], one token, [SEP]).",
                "TailSeconds: The field DeviceAgentOptions.Planner.Power.Radio.TailSeconds must be between 0 and 3600.",
            ],
            result.Failures!.Order(StringComparer.Ordinal));
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
