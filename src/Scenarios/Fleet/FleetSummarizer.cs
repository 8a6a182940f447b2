using HdrHistogram;

namespace EdgeSplit.Scenarios.Fleet;

/// <summary>Turns fleet samples into <see cref="FleetSummary"/>: totals, routes, phases and device class x link cells.</summary>
internal static class FleetSummarizer
{
    /// <summary>The routes a request can take, in report order.</summary>
    public static IReadOnlyList<string> Routes { get; } = ["edge", "local", "fallback"];

    public static FleetSummary Summarize(IReadOnlyList<FleetSample> samples, IReadOnlyList<OutageSpan> outages, IReadOnlyList<FleetPhone> phones, double durationSeconds)
    {
        var succeeded = samples.Where(s => s.Succeeded).ToList();
        var inOutage = succeeded.Where(s => outages.Any(o => s.AtSeconds >= o.StartSeconds && s.AtSeconds <= o.EndSeconds)).ToList();
        return new FleetSummary
        {
            Requests = samples.Count,
            Succeeded = succeeded.Count,
            Failed = samples.Count - succeeded.Count,
            ByRoute = ByRoute(succeeded),
            ByCut = succeeded.GroupBy(s => s.Cut).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => (long)g.Count()),
            LatencyMs = Latency(succeeded),
            LatencyMsByRoute = Routes.ToDictionary(r => r, r => Latency(succeeded.Where(s => s.Route == r).ToList())),
            OutageLatencyMs = outages.Count == 0 ? null : Latency(inOutage),
            OutageLocalLatencyMs = outages.Count == 0 ? null : LocalLatency(inOutage),
            LocalLatencyMs = LocalLatency(succeeded),
            Energy = Energy(succeeded),
            Devices = phones.Count,
            DurationSeconds = durationSeconds,
            ThroughputRps = durationSeconds > 0 ? succeeded.Count / durationSeconds : 0,
            Outages = outages,
            Phases = Phases(samples, outages, durationSeconds),
            DeviceMix = [.. phones.GroupBy(p => p.Class).Select(g => new DeviceMixEntry(g.Key.Name, g.Key.SpeedFactor, g.Key.ComputeWatts, g.Count()))],
            LinkMix = [.. phones.GroupBy(p => p.Link).OrderBy(g => LinkOrder(g.Key)).Select(g => new LinkMixEntry(g.Key.Name, g.Key.RttMs, g.Key.UplinkMbps, g.Key.DownlinkMbps, g.Key.JitterMs, g.Key.LossPercent, g.Key.Radio, g.Count()))],
            Routes = [.. Routes.Select(r => Slice(samples.Where(s => s.Route == r).ToList()) with { Route = r })],
            ByClassAndLink = [.. phones
                .GroupBy(p => (p.Class, p.Link))
                .OrderBy(g => phones.First(p => p.Class == g.Key.Class).Index)
                .ThenBy(g => LinkOrder(g.Key.Link))
                .Select(g => Slice(samples.Where(s => s.DeviceClass == g.Key.Class.Name && s.Link == g.Key.Link.Name).ToList()) with { DeviceClass = g.Key.Class.Name, Link = g.Key.Link.Name, Devices = g.Count() })],
        };
    }

    private static int LinkOrder(LinkProfile link)
    {
        var index = LinkProfile.Presets.ToList().IndexOf(link);
        return index < 0 ? int.MaxValue : index;
    }

    /// <summary>Latency percentiles in milliseconds of <paramref name="samples"/>.</summary>
    public static LatencySummary Latency(IReadOnlyCollection<FleetSample> samples) => Percentiles([.. samples.Select(s => s.LatencyMs)]);

    /// <summary>The all-local counterfactual: percentiles of what the same requests take on the same phones alone.</summary>
    public static LatencySummary LocalLatency(IReadOnlyCollection<FleetSample> samples) => Percentiles([.. samples.Select(s => s.LocalMs)]);

    /// <summary>Mean device energy against all-local; null when no request carries an energy account.</summary>
    public static EnergySummary? Energy(IReadOnlyCollection<FleetSample> samples)
    {
        var accounted = samples.Where(s => s.Succeeded && s.Spend.LocalMillijoules > 0).ToList();
        if (accounted.Count == 0)
        {
            return null;
        }

        var spent = accounted.Average(s => s.Spend.Millijoules);
        var local = accounted.Average(s => s.Spend.LocalMillijoules);
        return new EnergySummary(
            accounted.Count,
            Math.Round(spent, 3),
            Math.Round(local, 3),
            Math.Round(100 * (local - spent) / local, 1),
            Math.Round(accounted.Average(s => s.Spend.ComputeMs), 3),
            Math.Round(accounted.Average(s => (double)s.Spend.BytesUp), 1),
            Math.Round(accounted.Average(s => (double)s.Spend.BytesDown), 1));
    }

    private static Dictionary<string, long> ByRoute(IEnumerable<FleetSample> succeeded)
    {
        var list = succeeded.ToList();
        return Routes.ToDictionary(r => r, r => (long)list.Count(s => s.Route == r));
    }

    private static FleetSlice Slice(IReadOnlyList<FleetSample> samples)
    {
        var ok = samples.Where(s => s.Succeeded).ToList();
        return new FleetSlice
        {
            Requests = samples.Count,
            Failed = samples.Count - ok.Count,
            ByRoute = ByRoute(ok),
            CommonCut = ok.Count == 0 ? null : ok.GroupBy(s => s.Cut).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key,
            LatencyMs = Latency(ok),
            LocalLatencyMs = LocalLatency(ok),
            Energy = Energy(ok),
        };
    }

    private static List<FleetPhase> Phases(IReadOnlyList<FleetSample> samples, IReadOnlyList<OutageSpan> outages, double duration)
    {
        var bounds = new List<(string Label, double Start, double End)>();
        var cursor = 0.0;
        foreach (var outage in outages.OrderBy(o => o.StartSeconds))
        {
            if (outage.StartSeconds > cursor)
            {
                bounds.Add((bounds.Count == 0 ? "before outages" : "between outages", cursor, outage.StartSeconds));
            }

            bounds.Add((outage.Label, outage.StartSeconds, outage.EndSeconds));
            cursor = Math.Max(cursor, outage.EndSeconds);
        }

        var last = samples.Count == 0 ? duration : Math.Max(duration, samples.Max(s => s.AtSeconds));
        if (last > cursor)
        {
            bounds.Add((outages.Count == 0 ? "whole run" : "after outages", cursor, last));
        }

        return bounds.Select(b =>
        {
            var inside = samples.Where(s => s.AtSeconds >= b.Start && s.AtSeconds < b.End + (b.End == last ? 1e-9 : 0)).ToList();
            var ok = inside.Where(s => s.Succeeded).ToList();
            return new FleetPhase(b.Label, Math.Round(b.Start, 2), Math.Round(b.End, 2), ByRoute(ok), inside.Count - ok.Count, Latency(ok), LocalLatency(ok), Energy(ok))
            {
                ByReason = ok.Where(s => s.Why.Length > 0).GroupBy(s => s.Why).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => (long)g.Count()),
            };
        }).ToList();
    }

    private static LatencySummary Percentiles(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }

        var histogram = new LongHistogram(1, 600_000_000, 3);
        foreach (var value in values)
        {
            histogram.RecordValue(Math.Clamp((long)(value * 1000), 1, 600_000_000));
        }

        static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
        return new LatencySummary(
            values.Count,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetMaxValue()),
            Math.Round(values.Average(), 3));
    }
}
