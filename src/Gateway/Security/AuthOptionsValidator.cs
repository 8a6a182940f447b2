using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Security;

/// <summary>Checks <see cref="AuthOptions"/> at start so a bad key or setting stops the process with a message naming the key.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled && SigningKey.TryLoad(options, out _) is { } keyError)
        {
            failures.Add(keyError);
        }

        if (options.RevocationPollSeconds is < 1 or > 3600)
        {
            failures.Add("EdgeSplit:Auth:RevocationPollSeconds must be between 1 and 3600.");
        }

        if (options.ClockSkewSeconds is < 0 or > 600)
        {
            failures.Add("EdgeSplit:Auth:ClockSkewSeconds must be between 0 and 600.");
        }

        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add("EdgeSplit:Auth:Issuer must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("EdgeSplit:Auth:Audience must not be empty.");
        }

        if (!options.Enabled && !string.IsNullOrWhiteSpace(options.RevocationFile))
        {
            failures.Add("EdgeSplit:Auth:RevocationFile is set but no signing key is: set EdgeSplit:Auth:SigningKey or SigningKeyFile.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
