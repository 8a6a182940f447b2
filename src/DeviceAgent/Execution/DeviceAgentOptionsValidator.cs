using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>Validates the options and their nested sections (DataAnnotations alone stops at the top level) plus cross-field rules.</summary>
internal sealed class DeviceAgentOptionsValidator : IValidateOptions<DeviceAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, DeviceAgentOptions options)
    {
        var errors = new List<string>();
        Check(options, "DeviceAgent", errors);
        Check(options.Planner, "DeviceAgent.Planner", errors);
        Check(options.Planner?.Power, "DeviceAgent.Planner.Power", errors);
        if (options.Planner?.Power is { } power)
        {
            Check(power.Radio, "DeviceAgent.Planner.Power.Radio", errors);
        }

        Check(options.Estimators, "DeviceAgent.Estimators", errors);
        Check(options.Resilience, "DeviceAgent.Resilience", errors);
        if (options.ProfileLengths is { } lengths && lengths.Any(l => l < 3))
        {
            errors.Add("DeviceAgent.ProfileLengths: every length must be at least 3 tokens ([CLS], one token, [SEP]).");
        }

        if (options.Resilience is { } r && r.ProbeMaxDelay < r.ProbeInitialDelay)
        {
            errors.Add("DeviceAgent.Resilience.ProbeMaxDelay must not be shorter than ProbeInitialDelay.");
        }

        if (options.Planner is { MinDeviceStages: 0, AllowTokenIds: false })
        {
            errors.Add("DeviceAgent.Planner.MinDeviceStages 0 sends raw token ids: set AllowTokenIds to true to allow it.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when the options are invalid (for callers without DI).</summary>
    public static void ThrowIfInvalid(DeviceAgentOptions options)
    {
        var result = new DeviceAgentOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(DeviceAgentOptions), result.Failures);
        }
    }

    private static void Check(object? section, string path, List<string> errors)
    {
        if (section is null)
        {
            errors.Add($"{path} is required.");
            return;
        }

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(section, new ValidationContext(section), results, validateAllProperties: true))
        {
            errors.AddRange(results.Select(r => $"{path}.{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }
    }
}
