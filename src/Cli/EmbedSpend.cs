namespace EdgeSplit.Cli;

/// <summary>
/// The <c>spend</c> object of <c>embed --json</c>: what a request (or, summed, a run) cost the phone. Milliseconds of
/// device compute, bytes on the radio, modelled energy in millijoules, the all-local counterfactual and the saving.
/// </summary>
internal sealed record EmbedSpend(
    double HeadMs,
    double TailMs,
    long BytesUp,
    long BytesDown,
    double ComputeMj,
    double RadioMj,
    double WaitMj,
    double EnergyMj,
    double LocalMj,
    double SavedMj)
{
    public static EmbedSpend From(DeviceSpend spend) => new(
        Round(spend.HeadMs),
        Round(spend.TailMs),
        spend.BytesUp,
        spend.BytesDown,
        Round(spend.ComputeMillijoules),
        Round(spend.RadioMillijoules),
        Round(spend.WaitMillijoules),
        Round(spend.Millijoules),
        Round(spend.LocalMillijoules),
        Round(spend.SavedMillijoules));

    /// <summary>The sum over a run's requests.</summary>
    public static EmbedSpend Total(IEnumerable<DeviceSpend> spends)
    {
        var all = spends.ToList();
        var total = new DeviceSpend(
            all.Sum(s => s.HeadMs),
            all.Sum(s => s.TailMs),
            all.Sum(s => s.BytesUp),
            all.Sum(s => s.BytesDown),
            all.Sum(s => s.ComputeMillijoules),
            all.Sum(s => s.RadioMillijoules),
            all.Sum(s => s.LocalMs),
            all.Sum(s => s.LocalMillijoules))
        {
            WaitMs = all.Sum(s => s.WaitMs),
            WaitMillijoules = all.Sum(s => s.WaitMillijoules),
        };
        return From(total);
    }

    private static double Round(double value) => Math.Round(value, 3);
}
