namespace EdgeSplit.Scenarios.Links;

/// <summary>
/// The network a phone has to its edge: round-trip time, uplink and downlink bandwidth, jitter (one-way, added
/// at random up to this much) and packet loss, plus the radio it runs on (for the energy model). The fleet
/// simulator and the benchmarks emulate it on real bytes; a real phone's planner measures the same quantities.
/// </summary>
/// <remarks>
/// The presets are typical figures, not any one operator's: the order of the medians that crowd-sourced speed
/// tests (Ookla Speedtest Global Index, Opensignal mobile network experience reports) and measurement studies
/// publish, for a phone talking to a nearby edge site rather than a distant cloud region. On cellular links the
/// uplink is several times slower than the downlink, which is what matters for split inference: the activation
/// goes up, only the embedding comes back. Radio names are the keys of the radio power presets
/// (<c>wifi</c>, <c>5g</c>, <c>lte</c>, <c>3g</c>).
/// </remarks>
public sealed record LinkProfile(
    string Name,
    double RttMs,
    double UplinkMbps,
    double DownlinkMbps,
    double JitterMs,
    double LossPercent,
    string Radio)
{
    /// <summary>
    /// Wi-Fi to an edge on the same site: 8 ms RTT, 40 Mbps up, 80 Mbps down, 3 ms jitter, 0.1% loss. Home and
    /// office Wi-Fi adds a few milliseconds over the wired path; the rates are of the order of Ookla's global
    /// fixed-broadband medians (tens of Mbps up, roughly twice that down), which the access point rarely beats
    /// for a phone.
    /// </summary>
    public static LinkProfile Wifi { get; } = new("wifi", 8, 40, 80, 3, 0.1, "wifi");

    /// <summary>
    /// Mid-band 5G (non-standalone) to an operator edge: 25 ms RTT, 15 Mbps up, 150 Mbps down, 6 ms jitter,
    /// 0.2% loss. Ookla and Opensignal report 5G download medians in the low hundreds of Mbps but uploads of only
    /// 10-20 Mbps; Narayanan et al., "A Variegated Look at 5G in the Wild" (SIGCOMM 2021), measured mid-band RTTs
    /// of roughly 20-30 ms to nearby servers.
    /// </summary>
    public static LinkProfile FiveG { get; } = new("5g", 25, 15, 150, 6, 0.2, "5g");

    /// <summary>
    /// LTE: 55 ms RTT, 5 Mbps up, 20 Mbps down, 12 ms jitter, 0.5% loss. Huang et al., "A Close Examination of
    /// Performance and Power Characteristics of 4G LTE Networks" (MobiSys 2012), measured medians of 13 Mbps down
    /// and 6 Mbps up with RTTs of several tens of milliseconds; Opensignal's 4G latency figures are 40-60 ms in
    /// most countries.
    /// </summary>
    public static LinkProfile Lte { get; } = new("lte", 55, 5, 20, 12, 0.5, "lte");

    /// <summary>
    /// Weak 3G (HSPA at the cell edge): 200 ms RTT, 0.3 Mbps up, 1 Mbps down, 40 ms jitter, 1.5% loss. 3G in
    /// Huang et al. (MobiSys 2012) ran around 1-2 Mbps down and well under 1 Mbps up with RTTs of 100-200 ms on
    /// a good signal; this preset is the poor-signal end, where a phone should keep its work local.
    /// </summary>
    public static LinkProfile ThreeG { get; } = new("3g", 200, 0.3, 1, 40, 1.5, "3g");

    /// <summary>No emulation (<c>none</c>): the phone reaches the edge straight over loopback, with no added delay or limit.</summary>
    public static LinkProfile Loopback { get; } = new("none", 0, 0, 0, 0, 0, "wifi");

    /// <summary>Every preset, in order from best to worst link, then <see cref="Loopback"/>.</summary>
    public static IReadOnlyList<LinkProfile> Presets { get; } = [Wifi, FiveG, Lte, ThreeG, Loopback];

    /// <summary>Whether this profile shapes traffic at all (false for <see cref="Loopback"/>).</summary>
    public bool Shapes => RttMs > 0 || UplinkMbps > 0 || DownlinkMbps > 0 || JitterMs > 0 || LossPercent > 0;

    /// <summary>The preset called <paramref name="name"/> (<c>wifi</c>, <c>5g</c>, <c>lte</c>, <c>3g</c>, <c>none</c>; case-insensitive).</summary>
    /// <exception cref="ArgumentException">No preset has that name.</exception>
    public static LinkProfile Named(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        return key switch
        {
            "loopback" => Loopback,
            _ => Presets.FirstOrDefault(p => p.Name == key)
                ?? throw new ArgumentException($"unknown link '{name}'; known links: {string.Join(", ", Presets.Select(p => p.Name))}."),
        };
    }
}
