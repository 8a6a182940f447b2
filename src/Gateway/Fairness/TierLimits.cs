using System.ComponentModel.DataAnnotations;

namespace EdgeSplit.Gateway.Fairness;

/// <summary>
/// Per-device limits of one quota tier (<c>EdgeSplit:Limits:Tiers:NAME</c>); 0 means unlimited. A value out of
/// range stops the node at start with a message naming the tier's key (<see cref="LimitsOptions"/> checks every tier).
/// </summary>
public sealed class TierLimits
{
    /// <summary>Sustained inference requests per second per device (token bucket refill rate); 0 to 1,000,000.</summary>
    [Range(0.0, 1_000_000.0, ErrorMessage = "{0} must be between {1} (unlimited) and {2}.")]
    public double RequestsPerSecond { get; set; }

    /// <summary>Requests a device may send at once above its rate (token bucket size); 0 = same as one second's worth; up to 1,000,000.</summary>
    [Range(0, 1_000_000, ErrorMessage = "{0} must be between {1} and {2}.")]
    public int Burst { get; set; }

    /// <summary>Open InferStream calls per device; 0 to 10,000.</summary>
    [Range(0, 10_000, ErrorMessage = "{0} must be between {1} (unlimited) and {2}.")]
    public int MaxStreams { get; set; }

    /// <summary>Requests of one device queued or computing at the same time (its share of the node's queue); 0 to 1,000,000.</summary>
    [Range(0, 1_000_000, ErrorMessage = "{0} must be between {1} (unlimited) and {2}.")]
    public int MaxQueued { get; set; }
}
