namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>
/// Where the device agent finds its secrets: the environment (or configuration passed in by the host), never a
/// command-line argument, which any user of the machine can read in the process list.
/// </summary>
public static class DeviceCredentials
{
    /// <summary>Environment variable holding the device's bearer token (issued by <c>EdgeSplit.Gateway token issue</c>).</summary>
    public const string TokenVariable = "EDGESPLIT_DEVICE_TOKEN";

    /// <summary>Environment variable naming a PEM CA file to trust for https:// edges (a private PKI); default: the system store.</summary>
    public const string TrustedCaVariable = "EDGESPLIT_TRUSTED_CA_FILE";

    /// <summary>The token from <see cref="TokenVariable"/>, or null.</summary>
    public static string? TokenFromEnvironment() => Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token ? token.Trim() : null;

    /// <summary>The CA file from <see cref="TrustedCaVariable"/>, or null.</summary>
    public static string? TrustedCaFromEnvironment() => Environment.GetEnvironmentVariable(TrustedCaVariable) is { Length: > 0 } path ? path : null;
}
