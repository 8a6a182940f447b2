using System.Threading.RateLimiting;

namespace EdgeSplit.Gateway.Fairness;

/// <summary>Two leases released together (the node's call slot and the device's stream slot).</summary>
internal sealed class Leases(RateLimitLease first, RateLimitLease second) : RateLimitLease
{
    public override bool IsAcquired => true;

    public override IEnumerable<string> MetadataNames => [];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            second.Dispose();
            first.Dispose();
        }
    }
}
