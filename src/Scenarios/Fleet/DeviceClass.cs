namespace EdgeSplit.Scenarios.Fleet;

/// <summary>
/// A kind of phone in the fleet: its compute is this machine's measured per-stage cost times
/// <see cref="SpeedFactor"/> (above 1 = slower), it draws <see cref="ComputeWatts"/> while computing, and
/// <see cref="Share"/> of the fleet is of this kind.
/// </summary>
internal sealed record DeviceClass(string Name, double SpeedFactor, double Share, double ComputeWatts)
{
    /// <summary>
    /// Default mix: 30% flagships (0.8x this machine's CPU, 3.5 W), 50% mid-range (2x, 2.5 W), 20% budget (6x, 1.5 W).
    /// </summary>
    /// <remarks>
    /// Speed: CPU inference benchmarks across phone generations (AI Benchmark's ranking, Ignatov et al., "AI Benchmark:
    /// All About Deep Learning on Smartphones in 2019"; MLPerf Mobile) put entry-level phones, with only Cortex-A53/A55
    /// class cores, roughly 5-8x behind flagships on transformer inference; mid-range phones sit between, nearer the
    /// flagships. Power: a flagship's big cores draw about 3-5 W under sustained load, a mid-range SoC about 2-3 W, an
    /// entry-level SoC's little cores 1-1.5 W (per-core power curves published in SoC reviews, e.g. AnandTech's
    /// SPEC power measurements). A slower phone draws less power but for much longer, so it spends more energy.
    /// </remarks>
    public static IReadOnlyList<DeviceClass> DefaultMix { get; } =
    [
        new("flagship", 0.8, 0.3, 3.5),
        new("midrange", 2.0, 0.5, 2.5),
        new("budget", 6.0, 0.2, 1.5),
    ];

    /// <summary>Class of device number <paramref name="index"/> of <paramref name="count"/>: the mix in order, by share.</summary>
    public static DeviceClass For(int index, int count, IReadOnlyList<DeviceClass> mix)
    {
        var position = (index + 0.5) / count;
        var cumulative = 0.0;
        var total = mix.Sum(c => c.Share);
        foreach (var deviceClass in mix)
        {
            cumulative += deviceClass.Share / total;
            if (position <= cumulative)
            {
                return deviceClass;
            }
        }

        return mix[^1];
    }
}
