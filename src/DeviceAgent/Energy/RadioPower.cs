namespace EdgeSplit.DeviceAgent.Energy;

/// <summary>
/// Power model of one radio technology, in the form of Huang et al., "A Close Examination of Performance and
/// Power Characteristics of 4G LTE Networks" (MobiSys 2012): while data moves the radio draws
/// <c>BaseWatts + UplinkWattsPerMbps * up + DownlinkWattsPerMbps * down</c>, and after the last byte it stays
/// in a high-power state for <see cref="TailSeconds"/> at <see cref="TailWatts"/> before it sleeps.
/// </summary>
public sealed record RadioPower(
    string Name,
    double BaseWatts,
    double UplinkWattsPerMbps,
    double DownlinkWattsPerMbps,
    double TailWatts,
    double TailSeconds);
