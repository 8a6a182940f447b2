using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using ScottPlot;

namespace EdgeSplit.DeviceAgent.Fleet;

/// <summary>Writes <c>summary.json</c> and a self-contained <c>report.html</c> (charts embedded as PNG).</summary>
internal static class FleetReportWriter
{
    private static readonly string[] Routes = ["edge", "local", "fallback"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static FleetSummary Summarize(IReadOnlyList<FleetSample> samples, IReadOnlyList<OutageSpan> outages, int devices, double durationSeconds)
    {
        var byRoute = Routes.ToDictionary(r => r, r => (long)samples.Count(s => s.Succeeded && s.Route == r));
        var succeeded = samples.Where(s => s.Succeeded).ToList();
        var inOutage = succeeded.Where(s => outages.Any(o => s.AtSeconds >= o.StartSeconds && s.AtSeconds <= o.EndSeconds)).ToList();
        return new FleetSummary
        {
            Requests = samples.Count,
            Succeeded = succeeded.Count,
            Failed = samples.Count - succeeded.Count,
            ByRoute = byRoute,
            ByCut = succeeded.GroupBy(s => s.Cut).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => (long)g.Count()),
            LatencyMs = Latency(succeeded),
            LatencyMsByRoute = Routes.ToDictionary(r => r, r => Latency(succeeded.Where(s => s.Route == r).ToList())),
            OutageLatencyMs = outages.Count == 0 ? null : Latency(inOutage),
            Devices = devices,
            DurationSeconds = durationSeconds,
            ThroughputRps = durationSeconds > 0 ? succeeded.Count / durationSeconds : 0,
            Outages = outages,
            Phases = Phases(samples, outages, durationSeconds),
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
            return new FleetPhase(b.Label, Math.Round(b.Start, 2), Math.Round(b.End, 2), Routes.ToDictionary(r => r, r => (long)ok.Count(s => s.Route == r)), inside.Count - ok.Count, Latency(ok));
        }).ToList();
    }

    public static LatencySummary Latency(IReadOnlyCollection<FleetSample> samples)
    {
        if (samples.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }

        var histogram = new LongHistogram(1, 600_000_000, 3);
        foreach (var sample in samples)
        {
            histogram.RecordValue(Math.Clamp((long)(sample.LatencyMs * 1000), 1, 600_000_000));
        }

        static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
        return new LatencySummary(
            samples.Count,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetMaxValue()),
            Math.Round(samples.Average(s => s.LatencyMs), 3));
    }

    public static FleetSummary Write(string directory, IReadOnlyList<FleetSample> samples, IReadOnlyList<OutageSpan> outages, int devices, double durationSeconds, string title) =>
        Write(directory, samples, samples, outages, devices, durationSeconds, title);

    /// <summary>Writes the report: charts from every sample, the summary from <paramref name="counted"/> (warm-up excluded).</summary>
    public static FleetSummary Write(string directory, IReadOnlyList<FleetSample> samples, IReadOnlyList<FleetSample> counted, IReadOnlyList<OutageSpan> outages, int devices, double durationSeconds, string title)
    {
        Directory.CreateDirectory(directory);
        var summary = Summarize(counted, outages, devices, durationSeconds);
        File.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(summary, Json));
        var chartSeconds = samples.Count == 0 ? durationSeconds : Math.Max(durationSeconds, samples.Max(s => s.AtSeconds));
        var bucket = Math.Max(1.0, Math.Ceiling(chartSeconds / 60));
        var charts = new[]
        {
            ("Latency percentiles over time", LatencyChart(samples, outages, bucket, chartSeconds)),
            ("Route mix over time", RouteChart(samples, outages, bucket, chartSeconds)),
            ("Cut points chosen", CutChart(samples)),
            ("Edge queue depth (from reply load reports)", QueueChart(samples, outages, bucket, chartSeconds)),
        };
        File.WriteAllText(Path.Combine(directory, "report.html"), Html(title, summary, charts));
        return summary;
    }

    private static IEnumerable<(double Start, List<FleetSample> Items)> Buckets(IReadOnlyList<FleetSample> samples, double bucket, double duration)
    {
        var count = (int)Math.Ceiling(Math.Max(duration, bucket) / bucket);
        var lists = Enumerable.Range(0, count).Select(_ => new List<FleetSample>()).ToArray();
        foreach (var sample in samples)
        {
            lists[Math.Clamp((int)(sample.AtSeconds / bucket), 0, count - 1)].Add(sample);
        }

        return lists.Select((items, i) => (i * bucket, items));
    }

    private static byte[] LatencyChart(IReadOnlyList<FleetSample> samples, IReadOnlyList<OutageSpan> outages, double bucket, double duration)
    {
        var plot = NewPlot(outages, "time (s)", "latency (ms)");
        var buckets = Buckets(samples.Where(s => s.Succeeded).ToList(), bucket, duration).Where(b => b.Items.Count > 0).ToList();
        foreach (var (percentile, label) in new[] { (50.0, "p50"), (95.0, "p95"), (99.0, "p99") })
        {
            var xs = buckets.Select(b => b.Start + (bucket / 2)).ToArray();
            var ys = buckets.Select(b => Percentile(b.Items.Select(s => s.LatencyMs).ToList(), percentile)).ToArray();
            if (xs.Length > 0)
            {
                plot.Add.Scatter(xs, ys).LegendText = label;
            }
        }

        return Render(plot);
    }

    private static byte[] RouteChart(IReadOnlyList<FleetSample> samples, IReadOnlyList<OutageSpan> outages, double bucket, double duration)
    {
        var plot = NewPlot(outages, "time (s)", "requests / s");
        var buckets = Buckets(samples, bucket, duration).ToList();
        var xs = buckets.Select(b => b.Start + (bucket / 2)).ToArray();
        foreach (var route in Routes.Append("failed"))
        {
            var ys = buckets.Select(b => b.Items.Count(s => route == "failed" ? !s.Succeeded : s.Succeeded && s.Route == route) / bucket).ToArray();
            if (xs.Length > 0)
            {
                plot.Add.Scatter(xs, ys).LegendText = route;
            }
        }

        return Render(plot);
    }

    private static byte[] CutChart(IReadOnlyList<FleetSample> samples)
    {
        var plot = new Plot();
        plot.XLabel("cut k (stages [0,k) on the device; 8 = all local)");
        plot.YLabel("requests");
        var groups = samples.Where(s => s.Succeeded).GroupBy(s => s.Cut).OrderBy(g => g.Key).ToList();
        foreach (var group in groups)
        {
            plot.Add.Bar(group.Key, group.Count());
        }

        return Render(plot);
    }

    private static byte[] QueueChart(IReadOnlyList<FleetSample> samples, IReadOnlyList<OutageSpan> outages, double bucket, double duration)
    {
        var plot = NewPlot(outages, "time (s)", "queue depth");
        var buckets = Buckets(samples.Where(s => s.Route == "edge").ToList(), bucket, duration).Where(b => b.Items.Count > 0).ToList();
        if (buckets.Count > 0)
        {
            plot.Add.Scatter(buckets.Select(b => b.Start + (bucket / 2)).ToArray(), buckets.Select(b => b.Items.Average(s => s.EdgeQueueDepth)).ToArray()).LegendText = "mean";
            plot.Add.Scatter(buckets.Select(b => b.Start + (bucket / 2)).ToArray(), buckets.Select(b => (double)b.Items.Max(s => s.EdgeQueueDepth)).ToArray()).LegendText = "max";
        }

        return Render(plot);
    }

    private static Plot NewPlot(IReadOnlyList<OutageSpan> outages, string x, string y)
    {
        var plot = new Plot();
        plot.XLabel(x);
        plot.YLabel(y);
        foreach (var outage in outages)
        {
            var span = plot.Add.HorizontalSpan(outage.StartSeconds, outage.EndSeconds);
            span.LegendText = outage.Label;
        }

        return plot;
    }

    private static byte[] Render(Plot plot)
    {
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot.GetImageBytes(900, 320, ImageFormat.Png);
    }

    private static double Percentile(List<double> values, double percentile)
    {
        values.Sort();
        var index = (int)Math.Ceiling(percentile / 100 * values.Count) - 1;
        return values[Math.Clamp(index, 0, values.Count - 1)];
    }

    private static string Html(string title, FleetSummary summary, IEnumerable<(string Title, byte[] Png)> charts)
    {
        var html = new StringBuilder();
        var t = WebUtility.HtmlEncode(title);
        html.Append(CultureInfo.InvariantCulture, $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title>");
        html.Append("<style>body{font-family:sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}</style></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<h1>{t}</h1>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p>{summary.Devices} devices, {summary.DurationSeconds:F0} s: <b>{summary.Requests}</b> requests, <b>{summary.Succeeded}</b> succeeded, <b>{summary.Failed}</b> failed, {summary.ThroughputRps:F1} req/s.</p>");
        html.Append("<table><tr><th>route</th><th>requests</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>");
        foreach (var (route, latency) in summary.LatencyMsByRoute.Append(new("all", summary.LatencyMs)))
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{route}</td><td>{latency.Count}</td><td>{latency.P50:F1}</td><td>{latency.P95:F1}</td><td>{latency.P99:F1}</td><td>{latency.Max:F1}</td></tr>");
        }

        html.Append("</table>");
        html.Append("<h3>Phases</h3><table><tr><th>phase</th><th>from s</th><th>to s</th><th>edge</th><th>local</th><th>fallback</th><th>failed</th><th>p99 ms</th></tr>");
        foreach (var phase in summary.Phases)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{WebUtility.HtmlEncode(phase.Label)}</td><td>{phase.StartSeconds:F1}</td><td>{phase.EndSeconds:F1}</td><td>{phase.ByRoute["edge"]}</td><td>{phase.ByRoute["local"]}</td><td>{phase.ByRoute["fallback"]}</td><td>{phase.Failed}</td><td>{phase.LatencyMs.P99:F1}</td></tr>");
        }

        html.Append("</table>");
        if (summary.Outages.Count > 0)
        {
            html.Append("<h3>Outages (shaded in the charts)</h3><ul>");
            foreach (var outage in summary.Outages)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{outage.StartSeconds:F1}-{outage.EndSeconds:F1} s: {WebUtility.HtmlEncode(outage.Label)}</li>");
            }

            html.Append(CultureInfo.InvariantCulture, $"</ul><p>p99 during outages: {summary.OutageLatencyMs?.P99:F1} ms.</p>");
        }

        foreach (var (chartTitle, png) in charts)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>{WebUtility.HtmlEncode(chartTitle)}</h2><img alt=\"{WebUtility.HtmlEncode(chartTitle)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">");
        }

        html.Append("</body></html>");
        return html.ToString();
    }
}
