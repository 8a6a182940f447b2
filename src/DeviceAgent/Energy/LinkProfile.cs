namespace EdgeSplit.DeviceAgent.Energy;

/// <summary>
/// The network a phone has to its edge: round-trip time, uplink and downlink bandwidth, jitter (one-way, added
/// at random up to this much) and packet loss, plus the radio it runs on (for the energy model). The fleet
/// simulator and the benchmarks emulate it on real bytes; a real phone's planner measures the same quantities.
/// </summary>
public sealed record LinkProfile(
    string Name,
    double RttMs,
    double UplinkMbps,
    double DownlinkMbps,
    double JitterMs,
    double LossPercent,
    string Radio);
