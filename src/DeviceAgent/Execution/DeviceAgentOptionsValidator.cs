using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// Validates the options and every nested section (<c>[ValidateObjectMembers]</c>): each declared range and each
/// section's cross-field rules (<see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>). The options
/// validation source generator writes the checks at build time, so they use no reflection and hold in a trimmed or
/// AOT-compiled phone app.
/// </summary>
[OptionsValidator]
internal sealed partial class DeviceAgentOptionsValidator : IValidateOptions<DeviceAgentOptions>
{
    /// <summary>Throws <see cref="OptionsValidationException"/> when the options are invalid (for callers without DI).</summary>
    public static void ThrowIfInvalid(DeviceAgentOptions options)
    {
        var result = new DeviceAgentOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(DeviceAgentOptions), result.Failures);
        }
    }
}
