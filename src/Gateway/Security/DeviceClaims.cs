namespace EdgeSplit.Gateway.Security;

/// <summary>Claim names of a device token and the quota tiers they may carry.</summary>
public static class DeviceClaims
{
    /// <summary>Device id (JWT <c>sub</c>).</summary>
    public const string Subject = "sub";

    /// <summary>Quota tier (see <see cref="Tiers"/>).</summary>
    public const string Tier = "tier";

    /// <summary>Token id, the key of the revocation list (JWT <c>jti</c>).</summary>
    public const string TokenId = "jti";

    /// <summary>Ordinary phones.</summary>
    public const string StandardTier = "standard";

    /// <summary>Devices allowed a larger share (batch jobs, kiosks).</summary>
    public const string BulkTier = "bulk";

    /// <summary>Every tier a token may name.</summary>
    public static readonly IReadOnlyList<string> Tiers = [StandardTier, BulkTier];
}
