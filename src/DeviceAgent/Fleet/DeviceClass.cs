namespace EdgeSplit.DeviceAgent.Fleet;

/// <summary>
/// A kind of phone in the fleet: its compute is this machine's measured per-stage cost times
/// <see cref="SpeedFactor"/> (above 1 = slower), and <see cref="Share"/> of the fleet is of this kind.
/// </summary>
internal sealed record DeviceClass(string Name, double SpeedFactor, double Share)
{
    /// <summary>
    /// Default mix: a third fast phones (0.8x this machine's CPU), half mid-range (2x), the rest budget (4x),
    /// roughly the spread between recent flagship and entry-level mobile CPUs on transformer inference.
    /// </summary>
    public static IReadOnlyList<DeviceClass> DefaultMix { get; } =
    [
        new("flagship", 0.8, 0.3),
        new("midrange", 2.0, 0.5),
        new("budget", 4.0, 0.2),
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
