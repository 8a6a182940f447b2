using System.Text.Json;
using EdgeSplit.Inference.Partitioning;

namespace EdgeSplit.Scenarios;

/// <summary>
/// Capacity of one machine: router + 2 edges as processes, fleets of growing size at 1 request/s per phone.
/// Every phone offloads at a fixed cut (<see cref="Cut"/>) without hedging, so the edges carry the whole
/// fleet; a request a phone had to finish itself (fallback: the edge failed, refused or missed the deadline)
/// counts against the edges. A size
/// passes when nothing fails, p99 stays under the target and at least <see cref="MinEdgeShare"/> of the
/// requests were answered by an edge. Also measures the router's overhead: the same fleet straight to one
/// edge vs through a router in front of that same edge.
/// </summary>
internal sealed class CapacityScenario(string gatewayDll, string workDirectory, IAnsiConsole console, LinkMix links)
{
    public const double P99TargetMs = 250;
    public const double MinEdgeShare = 0.99;
    public const int Cut = 2;

    /// <summary>First seconds of each run left out of the statistics: connections opening and first calls JIT-compiling.</summary>
    public const double WarmUpSeconds = 3;

    public async Task<int> RunAsync(IReadOnlyList<int> sizes, TimeSpan perRun, int overheadDevices, int overheadRepeats, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workDirectory);
        var cache = Path.Combine(workDirectory, "segment-cache");
        using var model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions { Cache = new SegmentCache(cache) });
        var rows = new List<Dictionary<string, object>>();

        await using (var deployment = await Deployment.StartAsync(gatewayDll, 2, workDirectory, cache, console, cancellationToken))
        {
            foreach (var size in sizes)
            {
                var summary = await FleetAsync(model, deployment.Router.Address, size, perRun, $"capacity-{size}", cancellationToken);
                var edgeShare = summary.Succeeded == 0 ? 0 : (double)summary.ByRoute["edge"] / summary.Succeeded;
                var pass = summary.Failed == 0 && summary.LatencyMs.P99 < P99TargetMs && edgeShare >= MinEdgeShare;
                rows.Add(new()
                {
                    ["devices"] = size,
                    ["requests"] = summary.Requests,
                    ["failed"] = summary.Failed,
                    ["p50"] = summary.LatencyMs.P50,
                    ["p99"] = summary.LatencyMs.P99,
                    ["edgeP99"] = summary.LatencyMsByRoute["edge"].P99,
                    ["edgeShare"] = Math.Round(edgeShare, 3),
                    ["pass"] = pass,
                });
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"[bold]{size} devices: p99 {summary.LatencyMs.P99:F1} ms, edge share {edgeShare:P0}, failed {summary.Failed} -> {(pass ? "[green]pass[/]" : "[red]fail[/]")}[/]"));
                if (!pass)
                {
                    break;
                }
            }
        }

        // Router overhead: one edge, the same fleet alternately straight to it and through a router in front of it.
        var direct = new List<FleetSummary>();
        var routed = new List<FleetSummary>();
        await using (var single = await Deployment.StartAsync(gatewayDll, 1, workDirectory, cache, console, cancellationToken))
        {
            for (var i = 0; i < overheadRepeats; i++)
            {
                direct.Add(await FleetAsync(model, single.Edges[0].Address, overheadDevices, perRun, $"direct-{i}", cancellationToken));
                routed.Add(await FleetAsync(model, single.Router.Address, overheadDevices, perRun, $"routed-{i}", cancellationToken));
            }
        }

        static double Median(IEnumerable<double> values) => Statistics.Median([.. values]);

        var directP50 = Median(direct.Select(s => s.LatencyMsByRoute["edge"].P50));
        var routedP50 = Median(routed.Select(s => s.LatencyMsByRoute["edge"].P50));
        var directP99 = Median(direct.Select(s => s.LatencyMsByRoute["edge"].P99));
        var routedP99 = Median(routed.Select(s => s.LatencyMsByRoute["edge"].P99));
        var largest = rows.Where(r => (bool)r["pass"]).Select(r => (int)r["devices"]).DefaultIfEmpty(0).Max();
        var result = new Dictionary<string, object>
        {
            ["p99TargetMs"] = P99TargetMs,
            ["minEdgeShare"] = MinEdgeShare,
            ["secondsPerRun"] = perRun.TotalSeconds,
            ["runs"] = rows,
            ["largestPassingFleet"] = largest,
            ["routerOverhead"] = new Dictionary<string, object>
            {
                ["devices"] = overheadDevices,
                ["repeats"] = overheadRepeats,
                ["directEdgeP50"] = directP50,
                ["routedEdgeP50"] = routedP50,
                ["ratioP50"] = Math.Round(routedP50 / directP50, 3),
                ["directEdgeP99"] = directP99,
                ["routedEdgeP99"] = routedP99,
                ["ratioP99"] = Math.Round(routedP99 / directP99, 3),
            },
        };
        await File.WriteAllTextAsync(Path.Combine(workDirectory, "capacity.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);

        console.WriteLine();
        console.WriteLine("| devices | requests | failed | p50 ms | p99 ms | edge-route p99 ms | edge share | pass |");
        console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r["devices"]} | {r["requests"]} | {r["failed"]} | {r["p50"]:F1} | {r["p99"]:F1} | {r["edgeP99"]:F1} | {r["edgeShare"]:P0} | {r["pass"]} |"));
        }

        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest passing fleet: {largest} devices at 1 request/s"));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"router overhead ({overheadDevices} devices, median of {overheadRepeats}): edge-route p50 {directP50:F2} -> {routedP50:F2} ms (x{routedP50 / directP50:F3}), p99 {directP99:F1} -> {routedP99:F1} ms (x{routedP99 / directP99:F3})"));
        console.WriteLine($"written: {Path.Combine(workDirectory, "capacity.json")}");
        return 0;
    }

    private async Task<FleetSummary> FleetAsync(SplitModel model, Uri url, int devices, TimeSpan duration, string name, CancellationToken cancellationToken)
    {
        console.MarkupLine($"[grey]fleet {Markup.Escape(name)}: {devices} devices for {duration.TotalSeconds:F0} s against {Markup.Escape(url.ToString())}[/]");
        var options = new FleetOptions { Edge = url, Devices = devices, Duration = duration, ReportDirectory = Path.Combine(workDirectory, name), Title = name, FixedCut = Cut, Hedge = false, WarmUpSeconds = WarmUpSeconds, Links = links };
        return (await new FleetRunner(model, options, console).RunAsync(cancellationToken)).Summary;
    }
}
