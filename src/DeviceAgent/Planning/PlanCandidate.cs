using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Predicted cost of cut <see cref="Cut"/>: device stages [0,Cut), encode, transfer, round trip, edge
/// queue and edge stages [Cut,N). Milliseconds; energy in millijoules (W × ms).
/// </summary>
public sealed record PlanCandidate(
    int Cut,
    WireEncoding Encoding,
    double DeviceMs,
    double EncodeMs,
    long Bytes,
    double TransferMs,
    double RttMs,
    double QueueMs,
    double EdgeMs,
    double LatencyMs,
    double EnergyMj)
{
    /// <summary>True when nothing leaves the device.</summary>
    public bool IsLocal => EdgeMs == 0 && Bytes == 0;

    /// <summary>Predicted time the edge part takes once the cut tensor is ready (what the hedge compares against).</summary>
    public double RemoteMs => EncodeMs + TransferMs + RttMs + QueueMs + EdgeMs;
}
