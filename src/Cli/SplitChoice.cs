namespace EdgeSplit.Cli;

/// <summary>
/// The <c>--split</c> value: all-local, automatic, or a fixed cut K (stages [0,K) on the device; K = the stage
/// count is all-local too). <see cref="Cut"/> is set only for a fixed cut.
/// </summary>
public readonly record struct SplitChoice(SplitMode Mode, int? Cut)
{
    public static SplitChoice Parse(string value)
    {
        if (string.Equals(value, "local", StringComparison.OrdinalIgnoreCase))
        {
            return new SplitChoice(SplitMode.Local, null);
        }

        if (string.Equals(value, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return new SplitChoice(SplitMode.Auto, null);
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var cut))
        {
            return new SplitChoice(SplitMode.Fixed, cut);
        }

        throw new CliException($"--split must be 'local', 'auto' or a stage number, not '{value}'.");
    }
}

/// <summary>How the cut is chosen.</summary>
public enum SplitMode
{
    Local,
    Auto,
    Fixed,
}
