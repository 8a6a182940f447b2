namespace EdgeSplit.Functional.Tests.Fleet;

/// <summary>
/// The scripted outage end to end: router + 3 edge processes, a fleet through the router, one edge killed,
/// then all, then restored. Nothing may fail, and traffic must go local while no edge lives and come back after.
/// A whole deployment on a 2-core machine: it runs alone (the non-parallel collection), or it would measure its
/// neighbours.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed class OutageScenarioTests : IClassFixture<TempDirectory>
{
    private readonly TempDirectory _temp;

    public OutageScenarioTests(TempDirectory temp) => _temp = temp;

    [Fact]
    public async Task Outage_KillOneThenAllEdgesThenRestore_ZeroFailuresAndTrafficMovesLocalAndBack()
    {
        var report = _temp.Combine("outage");

        // One link for every phone: this test is about outage handling. With the default mix only the few budget
        // phones of 12 on a fast link offload, so whether the surviving edges serve anyone in the 1-of-3 phase
        // would hang on which phones those are. Wi-Fi keeps real shaping (RTT, rates, jitter, loss).
        // Every phone offloads at cut 3 whenever an edge is reachable: the test is about breakers, probes and the
        // router finding the edges again, not about the planner. With --split auto on a quiet machine local compute
        // of the small bundled model is as fast as the Wi-Fi round trip, the planner rightly keeps ~99% of requests
        // local, and whether one of the few explorations falls in the last phase is luck (it once did not).
        // 60 s: the restart of three edges at 70% takes ~6 s on a loaded 2-core machine, and phones need a few
        // seconds more (router health check, breaker probe, planner exploration) before they offload again; at
        // 36 s the phase after the outages was ~5 s and sometimes showed no edge answer, at 48 s (~7 s after the
        // restart) it still did once in a full-suite run on a machine shared with other builds.
        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.ScenariosDll, _temp.Combine("cache"), ["outage", "--duration", "60", "--devices", "12", "--rps", "2", "--links", "wifi", "--split", "3", "--report", report]);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.True(File.Exists(Path.Combine(report, "report.html")));
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(report, "summary.json")));
        var root = summary.RootElement;
        Assert.Equal(0, root.GetProperty("failed").GetInt64());
        Assert.True(root.GetProperty("requests").GetInt64() > 200, stdout);
        var phases = root.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("label").GetString()!, p => p);
        Assert.Equal(["before outages", "1 of 3 edges down", "all edges down", "after outages"], phases.Keys);

        var allDown = phases["all edges down"];
        long Routed(JsonElement phase, string route) => phase.GetProperty("byRoute").GetProperty(route).GetInt64();
        var downTotal = Routed(allDown, "edge") + Routed(allDown, "local") + Routed(allDown, "fallback");
        Assert.True(downTotal > 20, stdout);

        // Only requests already answered by an edge when it was killed may still count as edge in that phase.
        Assert.True(Routed(allDown, "edge") <= downTotal / 20, $"edge answers while no edge lived: {allDown}");
        Assert.True(Routed(phases["1 of 3 edges down"], "edge") > 0, "the surviving edges must keep serving");
        Assert.True(Routed(phases["after outages"], "edge") > 0, $"traffic must return to the edges after they are back: {phases["after outages"]}");

        // p99 while edges are down stays within local latency as measured in the same run (a same-run ratio,
        // generous for a shared 2-core machine). Not against the all-local counterfactual: that is replayed compute
        // time, which the machine stalls of restarting three edge processes (inside the outage) do not touch.
        var outageP99 = root.GetProperty("outageLatencyMs").GetProperty("p99").GetDouble();
        var localP99 = Math.Max(
            root.GetProperty("latencyMsByRoute").GetProperty("local").GetProperty("p99").GetDouble(),
            root.GetProperty("latencyMsByRoute").GetProperty("fallback").GetProperty("p99").GetDouble());
        Assert.True(outageP99 <= 2 * localP99, $"outage p99 {outageP99} ms vs local p99 {localP99} ms");
        Assert.True(root.GetProperty("outageLocalLatencyMs").GetProperty("p99").GetDouble() > 0, "the all-local counterfactual is missing");

        // The breakdown: routes, every phase with its all-local counterfactual, device class x link cells.
        Assert.Equal(["edge", "local", "fallback"], root.GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("route").GetString()));
        Assert.All(phases.Values, p => Assert.True(p.GetProperty("localLatencyMs").GetProperty("count").GetInt64() > 0, p.ToString()));
        // Why each request ran where it did, and what the phones spent against running everything themselves.
        Assert.True(phases["before outages"].GetProperty("byReason").EnumerateObject().Any(), phases["before outages"].ToString());
        Assert.Equal(JsonValueKind.Object, phases["before outages"].GetProperty("energy").ValueKind);
        Assert.True(root.GetProperty("energy").GetProperty("meanLocalMillijoules").GetDouble() > 0, root.GetProperty("energy").ToString());
        var cells = root.GetProperty("byClassAndLink").EnumerateArray().ToList();
        Assert.Equal(["flagship", "midrange", "budget"], cells.Select(c => c.GetProperty("deviceClass").GetString()));
        Assert.All(cells, c => Assert.Equal("wifi", c.GetProperty("link").GetString()));
        Assert.Equal(12, cells.Sum(c => c.GetProperty("devices").GetInt32()));
        Assert.Equal(12, Assert.Single(root.GetProperty("linkMix").EnumerateArray()).GetProperty("devices").GetInt32());

        // The report's charts as a person sees them: four images, none blank, each with the series it names, and
        // the outages shaded on the three time charts (the cut chart has no time axis: the same-run control).
        var charts = ReportCharts.Read(Path.Combine(report, "report.html")).ByTitle;
        var described = string.Join("\n", charts.Select(c => $"{c.Key}: {c.Value}"));
        Assert.True(charts.Count == 4, described);
        var latency = charts["Latency percentiles over time"];
        var routes = charts["Route mix over time"];
        var cuts = charts["Cut points chosen"];
        var queue = charts["Edge queue depth (from reply load reports)"];
        Assert.All(charts.Values, c => Assert.True(c.Colours > 50, $"a blank chart:\n{described}"));
        Assert.True(latency.SeriesHues >= 3, $"p50, p95, p99:\n{described}");
        Assert.True(routes.SeriesHues >= 2, $"edge and local (fallback is a few requests at the outage edges and failed stays on zero, both may hide under them):\n{described}");
        Assert.True(cuts.SeriesHues >= 2, $"edge and local bars:\n{described}");
        Assert.True(queue.SeriesHues >= 1, $"queue depth mean/max:\n{described}");
        Assert.All(new[] { latency, routes, queue }, c => Assert.True(c.TintedShare > 0.05 && c.TintedShare > 5 * cuts.TintedShare, $"outage shading missing:\n{described}"));
    }
}
