using System.ComponentModel.DataAnnotations;

namespace EdgeSplit.DeviceAgent.Energy;

/// <summary>
/// Power model of one radio technology, in the form of Huang et al., "A Close Examination of Performance and
/// Power Characteristics of 4G LTE Networks" (MobiSys 2012): while data moves the radio draws
/// <c>BaseWatts + UplinkWattsPerMbps * up + DownlinkWattsPerMbps * down</c> (throughputs in Mbit/s), and after the
/// last byte it stays in a high-power state for <see cref="TailSeconds"/> at <see cref="TailWatts"/> before it sleeps.
/// Moving <c>B</c> megabits at any throughput therefore costs <c>UplinkWattsPerMbps * B</c> joules plus the base power
/// for as long as the transfer takes.
/// </summary>
public sealed record RadioPower(
    string Name,
    [property: Range(0.0, 100.0)] double BaseWatts,
    [property: Range(0.0, 100.0)] double UplinkWattsPerMbps,
    [property: Range(0.0, 100.0)] double DownlinkWattsPerMbps,
    [property: Range(0.0, 100.0)] double TailWatts,
    [property: Range(0.0, 3600.0)] double TailSeconds)
{
    /// <summary>
    /// Wi-Fi (802.11g/n on a 2011-12 phone), Huang et al. 2012 power model: α_u 283.17 mW/Mbps, α_d 137.01 mW/Mbps,
    /// β 132.86 mW; tail 119.3 mW for 238.1 ms. Cheap to wake and quick to sleep.
    /// </summary>
    public static RadioPower Wifi { get; } = new("wifi", 0.13286, 0.28317, 0.13701, 0.1193, 0.2381);

    /// <summary>
    /// 4G LTE, Huang et al. 2012 power model: α_u 438.39 mW/Mbps, α_d 51.97 mW/Mbps, β 1288.04 mW; tail 1060 mW for
    /// 11.576 s (the RRC_CONNECTED inactivity timer, with DRX). The tail is what makes a lone small request costly.
    /// </summary>
    public static RadioPower Lte { get; } = new("lte", 1.28804, 0.43839, 0.05197, 1.060, 11.576);

    /// <summary>
    /// 3G (UMTS/HSPA), Huang et al. 2012 power model: α_u 868.98 mW/Mbps, α_d 122.12 mW/Mbps, β 817.88 mW; tail
    /// taken as the DCH tail, about 804 mW for about 8.1 s (the shorter, lower-power FACH tail after it is left out,
    /// so this slightly understates a 3G tail).
    /// </summary>
    public static RadioPower ThreeG { get; } = new("3g", 0.81788, 0.86898, 0.12212, 0.8039, 8.088);

    /// <summary>
    /// 5G NSA (an NR data leg anchored on LTE). Approximations, not a fitted model: Xu et al., "Understanding
    /// Operational 5G" (SIGCOMM 2020) and Narayanan et al., "A Variegated Look at 5G in the Wild" (SIGCOMM 2021) both
    /// measure a 5G radio that draws more than LTE while active (β taken as 1.8 W), is far cheaper per bit at its
    /// higher throughput (α_u 50 mW/Mbps, α_d 5 mW/Mbps: about 3-4 W at 40 Mbps up or 400 Mbps down), and keeps an
    /// LTE-like inactivity tail of about 10 s at about 1.2 W. Measure the target phone and override.
    /// </summary>
    public static RadioPower FiveG { get; } = new("5g", 1.8, 0.05, 0.005, 1.2, 10.0);

    /// <summary>No radio energy: a wired or loopback link (tests, a device on Ethernet, an energy model of compute only).</summary>
    public static RadioPower None { get; } = new("none", 0, 0, 0, 0, 0);

    /// <summary>The presets, by the names <see cref="Named"/> accepts.</summary>
    public static IReadOnlyList<RadioPower> Presets { get; } = [Wifi, FiveG, Lte, ThreeG, None];

    /// <summary>How long the radio stays in its high-power tail after the last byte, in milliseconds.</summary>
    public double TailMs => TailSeconds * 1000;

    /// <summary>A preset by name: "wifi", "5g", "lte", "3g" or "none" (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not one of the presets.</exception>
    public static RadioPower Named(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Presets.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown radio '{name}': use one of {string.Join(", ", Presets.Select(p => p.Name))}.", nameof(name));
    }

    /// <summary>
    /// Energy in millijoules of the radio while it moves <paramref name="bytesUp"/> and <paramref name="bytesDown"/>
    /// in <paramref name="activeMs"/> of transfer time: base power for that time plus the per-megabit terms.
    /// </summary>
    public double ActiveMillijoules(long bytesUp, long bytesDown, double activeMs)
    {
        // W/Mbps x Mbit = J; bytes x 8 / 1e6 Mbit, x 1000 for mJ: bytes x 8e-3.
        const double MillijoulesPerByteAtOneWattPerMbps = 8e-3;
        return (BaseWatts * Math.Max(0, activeMs))
            + (UplinkWattsPerMbps * Math.Max(0, bytesUp) * MillijoulesPerByteAtOneWattPerMbps)
            + (DownlinkWattsPerMbps * Math.Max(0, bytesDown) * MillijoulesPerByteAtOneWattPerMbps);
    }
}
