using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.DeviceAgent.Resilience;
using Microsoft.Extensions.Options;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>Everything the device agent can be tuned with; every default is documented on its property.</summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OptionsTrimming.ValidatedBySourceGenerator)]
public sealed class DeviceAgentOptions : IValidatableObject
{
    /// <summary>Cut and encoding choice.</summary>
    [Required]
    [ValidateObjectMembers]
    public PlannerOptions Planner { get; set; } = new();

    /// <summary>Smoothing and staleness of measured costs.</summary>
    [Required]
    [ValidateObjectMembers]
    public EstimatorOptions Estimators { get; set; } = new();

    /// <summary>Deadlines, breaker, probes, hedging.</summary>
    [Required]
    [ValidateObjectMembers]
    public ResilienceOptions Resilience { get; set; } = new();

    /// <summary>Sequence lengths (tokens) profiled at start to fit each stage's fixed + per-token cost. Default 8, 32, 96.</summary>
    [Required]
    [MinLength(1)]
    public int[] ProfileLengths { get; set; } = [8, 32, 96];

    /// <summary>Timed runs per profiled length, after one warm-up run; the median is fitted. Default 3.</summary>
    [Range(1, 100)]
    public int ProfileRepeats { get; set; } = 3;

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (ProfileLengths is { } lengths && lengths.Any(l => l < 3))
        {
            yield return new ValidationResult("every length must be at least 3 tokens ([CLS], one token, [SEP]).", [nameof(ProfileLengths)]);
        }
    }
}
