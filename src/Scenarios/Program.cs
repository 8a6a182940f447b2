using System.CommandLine;
using EdgeSplit.Cli;
using EdgeSplit.Scenarios;

var duration = new Option<double>("--duration") { Description = "Seconds the phones keep sending", DefaultValueFactory = _ => 60 };
var devices = new Option<int>("--devices") { Description = "Simulated phones", DefaultValueFactory = _ => 40 };
var rps = new Option<double>("--rps") { Description = "Requests per second per phone", DefaultValueFactory = _ => 1 };
var report = new Option<string>("--report") { Description = "Directory for summary.json, report.html and process logs", DefaultValueFactory = _ => Path.Combine("reports", "outage") };
var gateway = new Option<string?>("--gateway") { Description = "Path of EdgeSplit.Gateway.dll (default: the one built beside this program)" };
var links = new Option<string>("--links") { Description = $"Phone links: wifi, 5g, lte, 3g, none, or a mix such as wifi:0.4,5g:0.3,lte:0.2,3g:0.1 (default: {LinkMix.DefaultSpec})", DefaultValueFactory = _ => "default" };
var outageSplit = new Option<string>("--split") { Description = "auto (each phone's planner decides) or a fixed cut K for every phone while an edge is reachable", DefaultValueFactory = _ => "auto" };
var outage = new Command("outage", "Router + 3 edges + a phone fleet on this machine; kill one edge, then all, bring them back; write the report.")
{
    duration, devices, rps, links, outageSplit, report, gateway,
};
outage.SetAction(ScenarioAction(links, IsDeploymentFailure, async (result, mix, console, cancellation) =>
{
    var directory = Path.GetFullPath(result.GetValue(report)!);
    var options = new FleetOptions
    {
        Edge = new Uri("http://127.0.0.1"),
        Devices = Math.Max(1, result.GetValue(devices)),
        Duration = TimeSpan.FromSeconds(Math.Max(5, result.GetValue(duration))),
        RequestsPerSecond = Math.Max(0.01, result.GetValue(rps)),
        ReportDirectory = directory,
        Links = mix,
        FixedCut = FleetCommand.ParseCut(result.GetValue(outageSplit)!),
        Title = "EdgeSplit outage scenario: router + 3 edges, one killed, then all, then restored",
    };
    var scenario = new OutageScenario(result.GetValue(gateway) ?? Deployment.LocateGateway(), options, directory, console);
    var fleet = await scenario.RunAsync(cancellation);
    FleetCommand.Print(console, fleet.Summary, directory);
    return fleet.Summary.Failed == 0 ? 0 : 3;
}));

var sizes = new Option<string>("--sizes") { Description = "Fleet sizes to try, in order (devices at 1 request/s each)", DefaultValueFactory = _ => "25,50,100,200,300,400,600" };
var seconds = new Option<double>("--seconds") { Description = "Seconds per fleet run", DefaultValueFactory = _ => 20 };
var overheadDevices = new Option<int>("--overhead-devices") { Description = "Fleet size for the router-overhead comparison", DefaultValueFactory = _ => 50 };
var repeats = new Option<int>("--overhead-repeats") { Description = "Direct/routed pairs for the router-overhead comparison", DefaultValueFactory = _ => 3 };
var capacityReport = new Option<string>("--report") { Description = "Directory for capacity.json, per-run reports and logs", DefaultValueFactory = _ => Path.Combine("reports", "capacity") };
var capacityGateway = new Option<string?>("--gateway") { Description = "Path of EdgeSplit.Gateway.dll" };
var capacityLinks = new Option<string>("--links") { Description = "Phone links (as for outage); default none: the edges' capacity, not the links', is measured", DefaultValueFactory = _ => "none" };
var capacity = new Command("capacity", "Largest fleet router + 2 edges serve on this machine (p99 < 250 ms, zero failures), and the router's overhead.")
{
    sizes, seconds, overheadDevices, repeats, capacityLinks, capacityReport, capacityGateway,
};
// A bad --sizes is reported like a deployment failure (exit 1), as it always was.
capacity.SetAction(ScenarioAction(capacityLinks, ex => IsDeploymentFailure(ex) || ex is ArgumentException, async (result, mix, console, cancellation) =>
{
    var list = result.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => int.TryParse(s, out var n) && n > 0 ? n : throw new ArgumentException($"--sizes: '{s}' is not a positive number.")).ToList();
    var scenario = new CapacityScenario(result.GetValue(capacityGateway) ?? Deployment.LocateGateway(), Path.GetFullPath(result.GetValue(capacityReport)!), console, mix);
    return await scenario.RunAsync(list, TimeSpan.FromSeconds(Math.Max(5, result.GetValue(seconds))), Math.Max(1, result.GetValue(overheadDevices)), Math.Max(1, result.GetValue(repeats)), cancellation);
}));

var root = new RootCommand("EdgeSplit scenarios: whole deployments on this machine, as real processes, and the fleet simulator.") { outage, capacity, FleetCommand.Create(Console.Out) };
return await AgentCommandLine.InvokeAsync(root, args, Console.Out, Console.Error);

// What the scenario commands share: an expected failure is one line on stderr (exit code 1), never a stack trace. A bad
// --links (an ArgumentException, thrown before the run) is left to AgentCommandLine.InvokeAsync: one line, exit code 2.
static Func<ParseResult, CancellationToken, Task<int>> ScenarioAction(
    Option<string> links, Func<Exception, bool> expected, Func<ParseResult, LinkMix, IAnsiConsole, CancellationToken, Task<int>> run) =>
    async (result, cancellation) =>
    {
        var console = FleetConsole.Create(Console.Out);
        var mix = LinkMix.Parse(result.GetValue(links)!);
        try
        {
            return await run(result, mix, console, cancellation);
        }
        catch (Exception ex) when (expected(ex))
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    };

// A deployment that cannot start: the gateway not built, a process late to start or gone, a port taken.
static bool IsDeploymentFailure(Exception ex) => ex is FileNotFoundException or TimeoutException or InvalidOperationException or IOException;
