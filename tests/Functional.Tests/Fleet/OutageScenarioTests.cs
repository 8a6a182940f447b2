using System.Text.Json;
using EdgeSplit.Functional.Tests.Infrastructure;

namespace EdgeSplit.Functional.Tests.Fleet;

/// <summary>
/// The scripted outage end to end: router + 3 edge processes, a fleet through the router, one edge killed,
/// then all, then restored. Nothing may fail, and traffic must go local while no edge lives and come back after.
/// </summary>
public sealed class OutageScenarioTests : IClassFixture<TempDirectory>
{
    private readonly TempDirectory _temp;

    public OutageScenarioTests(TempDirectory temp) => _temp = temp;

    [Fact]
    public async Task Outage_KillOneThenAllEdgesThenRestore_ZeroFailuresAndTrafficMovesLocalAndBack()
    {
        var report = _temp.Combine("outage");

        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.ScenariosDll, _temp.Combine("cache"), ["outage", "--duration", "36", "--devices", "12", "--rps", "2", "--report", report]);

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
        Assert.True(Routed(phases["after outages"], "edge") > 0, "traffic must return to the edges after they are back");

        // p99 while edges are down stays within local latency (same-run ratio, generous for a shared 2-core machine).
        var outageP99 = root.GetProperty("outageLatencyMs").GetProperty("p99").GetDouble();
        var localP99 = Math.Max(
            root.GetProperty("latencyMsByRoute").GetProperty("local").GetProperty("p99").GetDouble(),
            root.GetProperty("latencyMsByRoute").GetProperty("fallback").GetProperty("p99").GetDouble());
        Assert.True(outageP99 <= 2 * localP99, $"outage p99 {outageP99} ms vs local p99 {localP99} ms");
    }
}
