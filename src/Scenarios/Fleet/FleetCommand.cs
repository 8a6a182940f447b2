using System.CommandLine;
using EdgeSplit.DeviceAgent.Observability;

namespace EdgeSplit.Cli;

/// <summary><c>fleet</c>: N simulated phones against an edge or router, with live progress and a report.</summary>
internal static class FleetCommand
{
    public static Command Create(TextWriter output)
    {
        var edge = new Option<string>("--edge") { Description = "Edge or router URL, e.g. http://127.0.0.1:5000", Required = true };
        var devices = new Option<int>("--devices") { Description = "Simulated phones", DefaultValueFactory = _ => 50 };
        var duration = new Option<double>("--duration") { Description = "Seconds the phones keep sending", DefaultValueFactory = _ => 60 };
        var rps = new Option<double>("--rps") { Description = "Requests per second per phone (Poisson arrivals)", DefaultValueFactory = _ => 1 };
        var report = new Option<string?>("--report") { Description = "Directory for summary.json and report.html" };
        var seed = new Option<int>("--seed") { Description = "Seed of arrivals and sentence choice", DefaultValueFactory = _ => 1 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Serve the fleet's device metrics for Prometheus on localhost:PORT/metrics (0 = off)", DefaultValueFactory = _ => 0 };
        var ramp = new Option<double>("--ramp") { Description = "Seconds over which the phones join, evenly spaced (0 = all at once)", DefaultValueFactory = _ => 2 };
        var split = new Option<string>("--split") { Description = "auto (each phone's planner decides) or a fixed cut K for every phone", DefaultValueFactory = _ => "auto" };
        var links = new Option<string>("--links") { Description = $"Phone links: one of {string.Join(", ", LinkProfile.Presets.Select(p => p.Name))}, or a mix such as wifi:0.4,5g:0.3,lte:0.2,3g:0.1 (default: {LinkMix.DefaultSpec})", DefaultValueFactory = _ => "default" };
        var command = new Command("fleet", "Load-test an edge or router with a fleet of simulated phones.") { edge, devices, duration, rps, ramp, links, report, seed, metricsPort, split };
        command.SetAction(async (result, cancellation) =>
        {
            var options = new FleetOptions
            {
                Edge = ParseUrl(result.GetValue(edge)!),
                Devices = Positive(result.GetValue(devices), "--devices"),
                Duration = TimeSpan.FromSeconds(Positive(result.GetValue(duration), "--duration")),
                RequestsPerSecond = Positive(result.GetValue(rps), "--rps"),
                ReportDirectory = result.GetValue(report),
                Seed = result.GetValue(seed),
                FixedCut = ParseCut(result.GetValue(split)!),
                Ramp = TimeSpan.FromSeconds(Ramp(result.GetValue(ramp), result.GetValue(duration))),
                Links = ParseLinks(result.GetValue(links)!),
            };
            if (options.Links.Shapes && options.Edge.Scheme != Uri.UriSchemeHttp)
            {
                throw new CliException($"--links {options.Links} emulates links with a proxy on 127.0.0.1, which needs an http:// edge; use --links none with {options.Edge}.");
            }

            var console = FleetConsole.Create(output);
            using var model = SplitModel.Load(ModelSource.Bundled());
            using var telemetry = new DeviceTelemetry();
            using var export = DeviceTelemetryExport.Start("edgesplit-fleet", result.GetValue(metricsPort));
            var fleet = await new FleetRunner(model, options, console, telemetry: telemetry).RunAsync(cancellation);
            Print(console, fleet.Summary, options.ReportDirectory);
            return fleet.Summary.Failed == 0 ? 0 : 3;
        });
        return command;
    }

    internal static void Print(IAnsiConsole console, FleetSummary summary, string? reportDirectory)
    {
        var table = new Table().AddColumns("route", "requests", "p50 ms", "p95 ms", "p99 ms");
        foreach (var (route, latency) in summary.LatencyMsByRoute.Append(new("all", summary.LatencyMs)))
        {
            table.AddRow(route, latency.Count.ToString(CultureInfo.InvariantCulture), F(latency.P50), F(latency.P95), F(latency.P99));
        }

        console.Write(table);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"{summary.Requests} requests, {summary.Succeeded} succeeded, [{(summary.Failed == 0 ? "green" : "red")}]{summary.Failed} failed[/], {summary.ThroughputRps:F1} req/s"));
        console.MarkupLine(Markup.Escape($"phones: {Mix(summary.DeviceMix.Select(d => (d.Name, d.Devices)))}; links: {Mix(summary.LinkMix.Select(l => (l.Name, l.Devices)))}"));
        if (summary.Phases.FirstOrDefault(p => p.Label == "before outages") is { } before)
        {
            var total = before.ByRoute.Values.Sum();
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"before outages: edge answered {before.ByRoute["edge"]} of {total} requests ({(total == 0 ? 0 : (double)before.ByRoute["edge"] / total):P0})"));
        }

        if (summary.OutageLatencyMs is { } outage && summary.OutageLocalLatencyMs is { } alone)
        {
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"p99 during outages {outage.P99:F1} ms; the same requests all-local on the same phones: p99 {alone.P99:F1} ms ({(alone.P99 > 0 ? outage.P99 / alone.P99 : 0):F2}x)"));
        }

        if (summary.Energy is { } energy)
        {
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"device energy {energy.MeanMillijoules:F1} mJ/request vs {energy.MeanLocalMillijoules:F1} mJ all-local: {energy.FormatSaved()} saved"));
        }

        if (reportDirectory is not null)
        {
            console.MarkupLine($"report: [link]{Markup.Escape(Path.GetFullPath(Path.Combine(reportDirectory, "report.html")))}[/]  summary: {Markup.Escape(Path.GetFullPath(Path.Combine(reportDirectory, "summary.json")))}");
        }
    }

    /// <summary>A <c>--links</c> value as a mix; a bad one is a one-line usage error.</summary>
    internal static LinkMix ParseLinks(string value)
    {
        try
        {
            return LinkMix.Parse(value);
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    private static string Mix(IEnumerable<(string Name, int Devices)> entries) =>
        string.Join(", ", entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Devices} {e.Name}")));

    internal static Uri ParseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliException($"--edge must be an http:// or https:// URL, not '{value}'.");

    /// <summary>The fleet's <c>--split</c>: null for auto, else the fixed cut every phone uses.</summary>
    internal static int? ParseCut(string value)
    {
        var choice = SplitChoice.Parse(value);
        return choice.Mode switch
        {
            SplitMode.Auto => null,
            SplitMode.Fixed when choice.Cut is >= 1 and <= 8 => choice.Cut,
            _ => throw new CliException($"--split must be 'auto' or a cut between 1 and 8, not '{value}'."),
        };
    }

    private static T Positive<T>(T value, string name)
        where T : System.Numerics.INumber<T> =>
        value > T.Zero ? value : throw new CliException($"{name} must be positive.");

    private static double Ramp(double seconds, double duration) =>
        seconds >= 0 && seconds < duration ? seconds : throw new CliException($"--ramp must be at least 0 and shorter than --duration ({duration} s).");

    private static string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
}
