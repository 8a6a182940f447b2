using EdgeSplit.Gateway.Security;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Fairness;

/// <summary>Checks <see cref="LimitsOptions"/> at start, naming the key that is wrong.</summary>
internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrentCalls is < 1 or > 1_000_000)
        {
            failures.Add("EdgeSplit:Limits:MaxConcurrentCalls must be between 1 and 1000000.");
        }

        foreach (var tier in DeviceClaims.Tiers.Append(LimitsOptions.AnonymousTier))
        {
            if (!options.Tiers.ContainsKey(tier))
            {
                failures.Add($"EdgeSplit:Limits:Tiers:{tier} is missing.");
            }
        }

        foreach (var (tier, limits) in options.Tiers)
        {
            var key = $"EdgeSplit:Limits:Tiers:{tier}";
            if (limits.RequestsPerSecond is < 0 or > 1_000_000 || double.IsNaN(limits.RequestsPerSecond))
            {
                failures.Add($"{key}:RequestsPerSecond must be between 0 (unlimited) and 1000000.");
            }

            if (limits.Burst is < 0 or > 1_000_000)
            {
                failures.Add($"{key}:Burst must be between 0 and 1000000.");
            }

            if (limits.MaxStreams is < 0 or > 10_000)
            {
                failures.Add($"{key}:MaxStreams must be between 0 (unlimited) and 10000.");
            }

            if (limits.MaxQueued is < 0 or > 1_000_000)
            {
                failures.Add($"{key}:MaxQueued must be between 0 (unlimited) and 1000000.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
