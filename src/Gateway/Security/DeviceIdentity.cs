using EdgeSplit.Contracts.Transport;

namespace EdgeSplit.Gateway.Security;

/// <summary>Who is calling: the verified token's subject and tier, or, on an open (development) node, what the device says.</summary>
internal sealed record DeviceIdentity(string DeviceId, string Tier, bool Verified)
{
    private const int MaxIdLength = 128;

    public static DeviceIdentity From(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true && user.FindFirst(DeviceClaims.Subject)?.Value is { Length: > 0 } subject)
        {
            return new DeviceIdentity(subject, user.FindFirst(DeviceClaims.Tier)?.Value ?? DeviceClaims.StandardTier, Verified: true);
        }

        // Open node: the device's own word, bounded so a hostile id cannot bloat the limiter's partitions;
        // without one, the peer address keeps devices apart.
        var claimed = context.Request.Headers[ProtocolHeaders.DeviceId].ToString();
        if (claimed.Length is > 0 and <= MaxIdLength)
        {
            return new DeviceIdentity("anon:" + claimed, Fairness.LimitsOptions.AnonymousTier, Verified: false);
        }

        var peer = context.Connection.RemoteIpAddress ?? System.Net.IPAddress.None;
        return new DeviceIdentity("anon-ip:" + peer, Fairness.LimitsOptions.AnonymousTier, Verified: false);
    }
}
