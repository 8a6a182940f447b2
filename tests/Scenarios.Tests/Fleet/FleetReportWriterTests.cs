using System.Text.Json;
using EdgeSplit.DeviceAgent.Energy;
using EdgeSplit.Scenarios.Fleet;
using SkiaSharp;

namespace EdgeSplit.Scenarios.Tests.Fleet;

public sealed class FleetReportWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgesplit-report-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void CutChart_RequestsAtSeveralCuts_DrawsBarsNotABlankImage()
    {
        var samples = Enumerable.Range(0, 60).Select(i => Sample(i * 0.5, route: i % 3 == 0 ? "edge" : "local", cut: i % 3 == 0 ? 2 : 8)).ToList();

        var png = FleetReportWriter.CutChart(samples);

        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal(900, bitmap.Width);
        var colours = bitmap.Pixels.Distinct().Count();

        // A blank chart is one colour; axes, labels and bars in two route colours give far more (anti-aliasing).
        Assert.True(colours > 50, $"{colours} distinct colours");
        var blue = bitmap.Pixels.Count(p => p.Blue > 150 && p.Red < 80); // the edge bars (Category10 blue)
        Assert.True(blue > 500, $"{blue} blue pixels");
    }

    [Fact]
    public void Write_SummaryBreaksDownByRoutePhaseAndClassTimesLink()
    {
        var flagship = DeviceClass.DefaultMix[0];
        var budget = DeviceClass.DefaultMix[2];
        var phones = new[]
        {
            new FleetPhone(0, flagship, LinkProfile.ThreeG),
            new FleetPhone(1, budget, LinkProfile.Wifi),
            new FleetPhone(2, budget, LinkProfile.Wifi),
        };
        var spent = new DeviceSpend(2, 0, 3000, 1600, 3, 2, 40, 60);
        var samples = new List<FleetSample>();
        for (var i = 0; i < 30; i++)
        {
            samples.Add(Sample(i, "local", 8) with { DeviceClass = flagship.Name, Link = "3g", LocalMs = 10, Why = "lowest predicted latency" });
            samples.Add(Sample(i + 0.5, i is >= 10 and < 20 ? "fallback" : "edge", 1) with { DeviceClass = budget.Name, Link = "wifi", LocalMs = 40, Spend = spent, Why = i == 0 ? "explore" : "lowest predicted latency" });
        }

        var summary = FleetReportWriter.Write(_directory, samples, samples, [new OutageSpan(10, 20, "all edges down")], phones, 30, "test");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "summary.json")));
        var root = json.RootElement;
        Assert.Equal(["edge", "local", "fallback"], root.GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("route").GetString()));
        var cells = root.GetProperty("byClassAndLink").EnumerateArray().ToList();
        Assert.Equal(["flagship/3g", "budget/wifi"], cells.Select(c => $"{c.GetProperty("deviceClass").GetString()}/{c.GetProperty("link").GetString()}"));
        Assert.Equal(2, cells[1].GetProperty("devices").GetInt32());
        Assert.Equal(1, cells[1].GetProperty("commonCut").GetInt32());
        Assert.Equal(40, cells[1].GetProperty("localLatencyMs").GetProperty("p99").GetDouble(), 0.1); // HdrHistogram: 3 significant digits
        Assert.Equal(JsonValueKind.Null, cells[0].GetProperty("energy").ValueKind);

        // Energy: 5 mJ spent against 60 mJ all-local on the requests that carried an account.
        var energy = cells[1].GetProperty("energy");
        Assert.Equal(5, energy.GetProperty("meanMillijoules").GetDouble());
        Assert.Equal(60, energy.GetProperty("meanLocalMillijoules").GetDouble());
        Assert.Equal(91.7, energy.GetProperty("savedPercent").GetDouble());

        var phases = root.GetProperty("phases").EnumerateArray().ToList();
        Assert.Equal(["before outages", "all edges down", "after outages"], phases.Select(p => p.GetProperty("label").GetString()));
        Assert.True(phases[1].GetProperty("localLatencyMs").GetProperty("p99").GetDouble() > 0);
        var why = phases[0].GetProperty("byReason").EnumerateObject().Select(r => (r.Name, r.Value.GetInt64())).ToList();
        Assert.Equal([("lowest predicted latency", 19L), ("explore", 1L)], why);
        Assert.Contains("lowest predicted latency 19, explore 1", File.ReadAllText(Path.Combine(_directory, "report.html")));
        Assert.True(root.GetProperty("outageLocalLatencyMs").GetProperty("count").GetInt64() > 0);
        Assert.Equal(["wifi", "3g"], root.GetProperty("linkMix").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.Equal(["flagship", "budget"], root.GetProperty("deviceMix").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        Assert.NotNull(summary.Energy);

        var html = File.ReadAllText(Path.Combine(_directory, "report.html"));
        Assert.Contains("By device class and link", html, StringComparison.Ordinal);
        Assert.Contains("all-local p99", html, StringComparison.Ordinal);
    }

    private static FleetSample Sample(double at, string route, int cut) => new(at, 20, route, cut, true, 0, "midrange") { Link = "wifi", LocalMs = 30 };

    [Theory]
    [InlineData(91.7, "92%")]
    [InlineData(-63.9, "-64%")]
    [InlineData(-0.3, "0%")] // rounds to zero: no "-0%" in the report or on the console
    [InlineData(0.4, "0%")]
    public void FormatSaved_WholePercentWithoutNegativeZero(double savedPercent, string expected) =>
        Assert.Equal(expected, new EnergySummary(1, 1, 1, savedPercent, 0, 0, 0).FormatSaved());
}
