namespace EdgeSplit.Gateway.Fairness;

/// <summary>Per-device limits of one quota tier (<c>EdgeSplit:Limits:Tiers:NAME</c>); 0 means unlimited.</summary>
public sealed class TierLimits
{
    /// <summary>Sustained inference requests per second per device (token bucket refill rate).</summary>
    public double RequestsPerSecond { get; set; }

    /// <summary>Requests a device may send at once above its rate (token bucket size); 0 = same as one second's worth.</summary>
    public int Burst { get; set; }

    /// <summary>Open InferStream calls per device.</summary>
    public int MaxStreams { get; set; }

    /// <summary>Requests of one device queued or computing at the same time (its share of the node's queue).</summary>
    public int MaxQueued { get; set; }
}
