using System.ComponentModel.DataAnnotations;
using EdgeSplit.Gateway.Security;

namespace EdgeSplit.Gateway.Fairness;

/// <summary>
/// Per-device and global limits of the edge (<c>EdgeSplit:Limits</c>), validated at start: ranges on the
/// properties, and every tier present with its own limits in range (messages name the tier's key).
/// </summary>
public sealed class LimitsOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "EdgeSplit:Limits";

    /// <summary>Tier given to callers without a verified token (open development nodes).</summary>
    public const string AnonymousTier = "anonymous";

    /// <summary>
    /// Limits by tier. Defaults: <c>standard</c> 20 requests/s, burst 40, 4 streams, 16 queued; <c>bulk</c> 200/s,
    /// burst 400, 16 streams, 64 queued; <c>anonymous</c> (no token; only on open development nodes) unlimited.
    /// </summary>
    public Dictionary<string, TierLimits> Tiers { get; set; } = new(StringComparer.Ordinal)
    {
        [DeviceClaims.StandardTier] = new TierLimits { RequestsPerSecond = 20, Burst = 40, MaxStreams = 4, MaxQueued = 16 },
        [DeviceClaims.BulkTier] = new TierLimits { RequestsPerSecond = 200, Burst = 400, MaxStreams = 16, MaxQueued = 64 },
        [AnonymousTier] = new TierLimits(),
    };

    /// <summary>Inference calls (unary calls in progress plus open streams) the node holds at once, all devices together (default 4096; 1 to 1,000,000).</summary>
    [Range(1, 1_000_000, ErrorMessage = "EdgeSplit:Limits:MaxConcurrentCalls must be between 1 and 1000000.")]
    public int MaxConcurrentCalls { get; set; } = 4096;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var tier in DeviceClaims.Tiers.Append(AnonymousTier).Where(t => !Tiers.ContainsKey(t)))
        {
            yield return new ValidationResult($"{SectionName}:Tiers:{tier} is missing.", [nameof(Tiers)]);
        }

        foreach (var (tier, limits) in Tiers)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(limits, new ValidationContext(limits), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return new ValidationResult($"{SectionName}:Tiers:{tier}:{result.ErrorMessage}", [nameof(Tiers)]);
            }
        }
    }
}
