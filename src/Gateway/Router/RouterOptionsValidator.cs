using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Router;

/// <summary>Checks the edge list at start so a typo fails the process with a message instead of a dead router.</summary>
internal sealed class RouterOptionsValidator : IValidateOptions<RouterOptions>
{
    private static readonly string[] Policies = ["PowerOfTwoChoices", "LeastRequests", "RoundRobin", "Random", "FirstAlphabetical"];

    public ValidateOptionsResult Validate(string? name, RouterOptions options)
    {
        var failures = new List<string>();
        if (options.Edges.Count == 0)
        {
            failures.Add("EdgeSplit:Router:Edges is empty: give at least one edge URL, e.g. --EdgeSplit:Router:Edges:0=http://127.0.0.1:5001.");
        }

        for (var i = 0; i < options.Edges.Count; i++)
        {
            if (!Uri.TryCreate(options.Edges[i], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"EdgeSplit:Router:Edges:{i} = '{options.Edges[i]}' is not an http:// or https:// URL.");
            }
        }

        if (!Policies.Contains(options.LoadBalancingPolicy, StringComparer.Ordinal))
        {
            failures.Add($"EdgeSplit:Router:LoadBalancingPolicy '{options.LoadBalancingPolicy}' is not one of {string.Join(", ", Policies)}.");
        }

        if (!options.HealthPath.StartsWith('/'))
        {
            failures.Add($"EdgeSplit:Router:HealthPath '{options.HealthPath}' must start with '/'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
