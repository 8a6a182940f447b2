namespace EdgeSplit.Gateway.Security;

/// <summary>
/// Device authentication of the edge role, bound from <c>EdgeSplit:Auth</c>. Authentication is on as soon as a
/// signing key is configured; without one the edge runs open only on loopback (or with <see cref="AllowAnonymous"/>).
/// </summary>
public sealed class AuthOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "EdgeSplit:Auth";

    /// <summary>HS256 signing key, base64 (at least 32 bytes once decoded). Prefer <see cref="SigningKeyFile"/> outside development.</summary>
    public string? SigningKey { get; set; }

    /// <summary>File holding the base64 signing key (a mounted secret); read once at start.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>File of revoked token ids (<c>jti</c>), one per line, <c>#</c> comments allowed; re-read when it changes.</summary>
    public string? RevocationFile { get; set; }

    /// <summary>How often the revocation file is checked for changes, seconds (default 2).</summary>
    public int RevocationPollSeconds { get; set; } = 2;

    /// <summary>Run without authentication on non-loopback addresses when no key is configured (default false: refuse to start).</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Issuer written into and required of every token (default <c>edgesplit</c>).</summary>
    public string Issuer { get; set; } = "edgesplit";

    /// <summary>Audience written into and required of every token (default <c>edgesplit-edge</c>).</summary>
    public string Audience { get; set; } = "edgesplit-edge";

    /// <summary>Tolerated clock difference when checking expiry, seconds (default 30).</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>Serve <c>/healthz</c>, <c>/readyz</c> and grpc.health.v1 without a token (default true: probes carry none).</summary>
    public bool AnonymousHealth { get; set; } = true;

    /// <summary>Serve <c>/metrics</c> without a token (default true; keep the metrics port off the internet instead).</summary>
    public bool AnonymousMetrics { get; set; } = true;

    /// <summary>True when a signing key is configured, i.e. every inference call needs a valid token.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(SigningKey) || !string.IsNullOrWhiteSpace(SigningKeyFile);
}
