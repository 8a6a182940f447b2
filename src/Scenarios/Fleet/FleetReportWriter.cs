using System.Net;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace EdgeSplit.Scenarios.Fleet;

/// <summary>Writes <c>summary.json</c> and a self-contained <c>report.html</c> (charts embedded as PNG).</summary>
internal static class FleetReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes the report: charts from every sample, the summary from <paramref name="counted"/> (warm-up excluded).</summary>
    public static FleetSummary Write(string directory, IReadOnlyList<FleetSample> samples, IReadOnlyList<FleetSample> counted, IReadOnlyList<OutageSpan> outages, IReadOnlyList<FleetPhone> phones, double durationSeconds, string title)
    {
        Directory.CreateDirectory(directory);
        var summary = FleetSummarizer.Summarize(counted, outages, phones, durationSeconds);
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
        foreach (var route in FleetSummarizer.Routes.Append("failed"))
        {
            var ys = buckets.Select(b => b.Items.Count(s => route == "failed" ? !s.Succeeded : s.Succeeded && s.Route == route) / bucket).ToArray();
            if (xs.Length > 0)
            {
                plot.Add.Scatter(xs, ys).LegendText = route;
            }
        }

        return Render(plot);
    }

    /// <summary>
    /// Requests per cut, one bar per cut from 0 to 8, stacked by where they ended (edge, fallback, local), each
    /// bar labelled with its count.
    /// </summary>
    internal static byte[] CutChart(IReadOnlyList<FleetSample> samples)
    {
        var plot = new Plot();
        plot.XLabel("cut k (stages [0,k) on the device; 8 = all local)");
        plot.YLabel("requests");
        var ok = samples.Where(s => s.Succeeded).ToList();
        var bars = new List<Bar>();
        var palette = new ScottPlot.Palettes.Category10();
        var routes = new[] { "edge", "fallback", "local" };
        for (var cut = 0; cut <= 8; cut++)
        {
            var below = 0.0;
            foreach (var (route, i) in routes.Select((r, i) => (r, i)))
            {
                var count = ok.Count(s => s.Cut == cut && s.Route == route);
                if (count > 0)
                {
                    bars.Add(new Bar { Position = cut, ValueBase = below, Value = below + count, FillColor = palette.GetColor(i), LineWidth = 0 });
                    below += count;
                }
            }

            if (below > 0)
            {
                // The label rides on an invisible bar of the whole height, so it sits above the stack.
                bars.Add(new Bar { Position = cut, Value = below, FillColor = Colors.Transparent, LineWidth = 0, Label = below.ToString(CultureInfo.InvariantCulture) });
            }
        }

        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = 13;
        foreach (var (route, i) in routes.Select((r, i) => (r, i)))
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = route, FillColor = palette.GetColor(i) });
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, 9).Select(k => (double)k)], [.. Enumerable.Range(0, 9).Select(k => k.ToString(CultureInfo.InvariantCulture))]);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Axes.SetLimitsX(-0.6, 8.6);
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
        // A legend outside the data area with no item to show makes ScottPlot render the whole image blank.
        if (plot.Legend.GetItems().Any())
        {
            plot.ShowLegend(ScottPlot.Edge.Right);
        }

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
        html.Append("<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:90%}</style></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<h1>{t}</h1>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p>{summary.Devices} devices, {summary.DurationSeconds:F0} s: <b>{summary.Requests}</b> requests, <b>{summary.Succeeded}</b> succeeded, <b>{summary.Failed}</b> failed, {summary.ThroughputRps:F1} req/s.</p>");

        html.Append("<h2>The fleet</h2><table><tr><th>device class</th><th>compute time vs this machine</th><th>CPU power W</th><th>phones</th></tr>");
        foreach (var d in summary.DeviceMix)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(d.Name)}</td><td>{d.SpeedFactor:0.##}x</td><td>{d.ComputeWatts:0.##}</td><td>{d.Devices}</td></tr>");
        }

        html.Append("</table><table><tr><th>link</th><th>RTT ms</th><th>uplink Mbps</th><th>downlink Mbps</th><th>jitter ms</th><th>loss %</th><th>radio</th><th>phones</th></tr>");
        foreach (var l in summary.LinkMix)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(l.Name)}</td><td>{l.RttMs:0.##}</td><td>{Rate(l.UplinkMbps)}</td><td>{Rate(l.DownlinkMbps)}</td><td>{l.JitterMs:0.##}</td><td>{l.LossPercent:0.##}</td><td>{E(l.Radio)}</td><td>{l.Devices}</td></tr>");
        }

        html.Append("</table><p class=\"note\">Each phone's link is emulated on real bytes by its own throttling proxy; its planner measures the link and picks the cut per request. \"all-local\" columns are the counterfactual: the same requests on the same phones run entirely on the device.</p>");
        if (summary.Energy is null)
        {
            html.Append("<p class=\"note\">Device energy: the agents reported no energy account, so the energy columns are empty.</p>");
        }

        html.Append("<h2>Where requests ran</h2><table><tr><th>route</th><th>requests</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>all-local p99 ms</th><th>mJ / request</th><th>all-local mJ</th><th>energy saved</th></tr>");
        foreach (var slice in summary.Routes)
        {
            var latency = slice.LatencyMs;
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(slice.Route ?? "")}</td><td>{latency.Count}</td><td>{latency.P50:F1}</td><td>{latency.P95:F1}</td><td>{latency.P99:F1}</td><td>{latency.Max:F1}</td><td>{slice.LocalLatencyMs.P99:F1}</td>{EnergyCells(slice.Energy)}</tr>");
        }

        var all = summary.LatencyMs;
        html.Append(CultureInfo.InvariantCulture,
            $"<tr><th>all</th><th>{all.Count}</th><th>{all.P50:F1}</th><th>{all.P95:F1}</th><th>{all.P99:F1}</th><th>{all.Max:F1}</th><th>{summary.LocalLatencyMs.P99:F1}</th>{EnergyCells(summary.Energy, "th")}</tr></table>");

        html.Append("<h2>Phases</h2><table><tr><th>phase</th><th>from s</th><th>to s</th><th>edge</th><th>local</th><th>fallback</th><th>failed</th><th>edge share</th><th>p99 ms</th><th>all-local p99 ms</th><th>p99 / all-local</th><th>mJ / request</th><th>all-local mJ</th><th>energy saved</th><th>why (planner's reason)</th></tr>");
        foreach (var phase in summary.Phases)
        {
            var total = phase.ByRoute.Values.Sum();
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(phase.Label)}</td><td>{phase.StartSeconds:F1}</td><td>{phase.EndSeconds:F1}</td><td>{phase.ByRoute["edge"]}</td><td>{phase.ByRoute["local"]}</td><td>{phase.ByRoute["fallback"]}</td><td>{phase.Failed}</td><td>{Share(phase.ByRoute["edge"], total)}</td><td>{phase.LatencyMs.P99:F1}</td><td>{phase.LocalLatencyMs.P99:F1}</td><td>{Ratio(phase.LatencyMs.P99, phase.LocalLatencyMs.P99)}</td>{EnergyCells(phase.Energy)}<td>{E(string.Join(", ", phase.ByReason.Select(r => $"{r.Key} {r.Value}")))}</td></tr>");
        }

        html.Append("</table>");
        if (summary.Outages.Count > 0)
        {
            html.Append("<h3>Outages (shaded in the charts)</h3><ul>");
            foreach (var outage in summary.Outages)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{outage.StartSeconds:F1}-{outage.EndSeconds:F1} s: {E(outage.Label)}</li>");
            }

            var during = summary.OutageLatencyMs?.P99 ?? 0;
            var alone = summary.OutageLocalLatencyMs?.P99 ?? 0;
            html.Append(CultureInfo.InvariantCulture,
                $"</ul><p>p99 during outages: <b>{during:F1} ms</b>; the same phones' all-local p99 for the same requests: <b>{alone:F1} ms</b> ({Ratio(during, alone)}).</p>");
        }

        html.Append("<h2>By device class and link</h2><table><tr><th>class</th><th>link</th><th>phones</th><th>requests</th><th>edge</th><th>local</th><th>fallback</th><th>usual cut</th><th>p50 ms</th><th>p99 ms</th><th>all-local p50 ms</th><th>all-local p99 ms</th><th>mJ / request</th><th>all-local mJ</th><th>energy saved</th></tr>");
        foreach (var cell in summary.ByClassAndLink)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(cell.DeviceClass ?? "")}</td><td>{E(cell.Link ?? "")}</td><td>{cell.Devices}</td><td>{cell.Requests}</td><td>{cell.ByRoute["edge"]}</td><td>{cell.ByRoute["local"]}</td><td>{cell.ByRoute["fallback"]}</td><td>{cell.CommonCut?.ToString(CultureInfo.InvariantCulture) ?? "-"}</td><td>{cell.LatencyMs.P50:F1}</td><td>{cell.LatencyMs.P99:F1}</td><td>{cell.LocalLatencyMs.P50:F1}</td><td>{cell.LocalLatencyMs.P99:F1}</td>{EnergyCells(cell.Energy)}</tr>");
        }

        html.Append("</table>");
        foreach (var (chartTitle, png) in charts)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>{E(chartTitle)}</h2><img alt=\"{E(chartTitle)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">");
        }

        html.Append("</body></html>");
        return html.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Rate(double mbps) => mbps > 0 ? mbps.ToString("0.##", CultureInfo.InvariantCulture) : "unlimited";

    private static string Share(long part, long total) => total == 0 ? "-" : ((double)part / total).ToString("P0", CultureInfo.InvariantCulture);

    private static string Ratio(double value, double reference) => reference > 0 ? string.Create(CultureInfo.InvariantCulture, $"{value / reference:F2}x") : "-";

    private static string EnergyCells(EnergySummary? energy, string cell = "td") => energy is null
        ? $"<{cell}>-</{cell}><{cell}>-</{cell}><{cell}>-</{cell}>"
        : string.Create(CultureInfo.InvariantCulture, $"<{cell}>{energy.MeanMillijoules:F1}</{cell}><{cell}>{energy.MeanLocalMillijoules:F1}</{cell}><{cell}>{energy.FormatSaved()}</{cell}>");
}
