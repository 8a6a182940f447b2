using System.CommandLine;
using System.Globalization;
using EdgeSplit.Cli;
using EdgeSplit.DeviceAgent.Execution;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Scenarios;
using EdgeSplit.Scenarios.Fleet;
using EdgeSplit.Scenarios.Links;
using EdgeSplit.Scenarios.Processes;

namespace EdgeSplit.Bench.Device;

/// <summary>
/// <c>bench-policy</c>: the benefit table — every device class x link x text length, auto (latency and energy)
/// against all-local and every fixed cut, against a real edge process over emulated links — then the edge's faults.
/// </summary>
internal static class BenchPolicyCommand
{
    /// <summary>About 16 tokens each (WordPiece, with [CLS] and [SEP]).</summary>
    internal static readonly string[] ShortTexts =
    [
        "set an alarm for six thirty tomorrow morning please",
        "what is the weather going to be like in lisbon",
        "add oat milk, lemons and bread to the shopping list",
        "how long to cycle from the harbour to the old town",
    ];

    /// <summary>About 128 tokens each.</summary>
    internal static readonly string[] LongTexts =
    [
        "The quarterly report shows that the regional offices met most of their targets, although the northern branch fell short on new contracts because two of its largest clients postponed their renewals until the spring. Management expects the delayed renewals to close early next quarter, and the sales team has already scheduled follow-up meetings with both clients. Operating costs stayed flat, travel spending dropped by a fifth after the move to video calls, and the new warehouse cut delivery times in the south by almost two days on average, which customers noticed in the satisfaction survey.",
        "When you arrive at the station, take the east exit and walk past the bakery on the corner until you reach the small square with the fountain. Cross the square diagonally and follow the narrow street that climbs toward the castle; it gets steep after the church, so take your time. The guest house is the blue building on the left, just after the bookshop, and the key is in the box beside the door. The code is the last four digits of your booking number. Breakfast is served from seven until ten in the garden room downstairs.",
        "Split inference runs the first layers of a neural network on the phone and sends the intermediate activations to a nearby edge server, which runs the remaining layers and returns the result. Choosing where to cut depends on how fast the phone is, how quick and how wide the network link is, and how busy the edge server happens to be at that moment. A good policy measures all three continuously, predicts the cost of every possible cut, and falls back to finishing the model on the phone whenever the edge server is slow, unreachable or failing, so the user always gets an answer.",
        "Our hiking group met at the trailhead just after sunrise, packed extra water because the forecast promised heat, and set off along the ridge path toward the lake. The first hour was easy walking through pine forest, with glimpses of the valley between the trees. After the second bridge the trail turned rocky and steep, and we stopped often to rest and to photograph the wildflowers growing between the boulders. We reached the lake shortly before noon, swam in the cold clear water, ate our sandwiches on the warm stones, and started back down in the middle of the afternoon.",
    ];

    public static Command Create(TextWriter output)
    {
        var gatewayOption = new Option<FileInfo?>("--gateway") { Description = "EdgeSplit.Gateway.dll (default: found in src/Gateway/bin)" };
        var rounds = new Option<int>("--rounds") { Description = "Measured requests per policy and cell", DefaultValueFactory = _ => 15 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured rounds first (connections, first estimates)", DefaultValueFactory = _ => 3 };
        var classes = new Option<string>("--classes") { Description = "Device classes, comma-separated", DefaultValueFactory = _ => string.Join(',', DeviceClass.DefaultMix.Select(c => c.Name)) };
        var links = new Option<string>("--links") { Description = "Link profiles, comma-separated (wifi, 5g, lte, 3g)", DefaultValueFactory = _ => "wifi,5g,lte,3g" };
        var lengths = new Option<string>("--lengths") { Description = "Text lengths: short (~16 tokens), long (~128 tokens)", DefaultValueFactory = _ => "short,long" };
        var kills = new Option<int>("--kills") { Description = "SIGKILL trials per cell where the plan offloads", DefaultValueFactory = _ => 2 };
        var blackholes = new Option<int>("--blackholes") { Description = "Blackholed-host trials per cell where the plan offloads", DefaultValueFactory = _ => 1 };
        var command = new Command("bench-policy", "The benefit table: auto (latency, energy), all-local and every fixed cut per device class x link x text length, then edge faults.")
        {
            gatewayOption, rounds, warmup, classes, links, lengths, kills, blackholes,
        };
        command.SetAction(async (result, cancellation) =>
        {
            var dll = result.GetValue(gatewayOption)?.FullName ?? GatewayProcess.Locate()
                ?? throw new CliException("EdgeSplit.Gateway.dll not found: build src/Gateway or pass --gateway.");
            var phones = Names(result.GetValue(classes)!).Select(name => DeviceClass.DefaultMix.FirstOrDefault(c => c.Name == name)
                ?? throw new CliException($"--classes: unknown device class '{name}' (known: {string.Join(", ", DeviceClass.DefaultMix.Select(c => c.Name))}).")).ToList();
            var profiles = Names(result.GetValue(links)!).Select(name => Parse(() => LinkProfile.Named(name), "--links")).ToList();
            var texts = Names(result.GetValue(lengths)!).Select(name => name switch
            {
                "short" => (Name: name, Texts: (IReadOnlyList<string>)ShortTexts),
                "long" => (Name: name, Texts: LongTexts),
                _ => throw new CliException($"--lengths: unknown length '{name}' (known: short, long)."),
            }).ToList();
            if (result.GetValue(rounds) < 1 || result.GetValue(warmup) < 0 || result.GetValue(kills) < 0 || result.GetValue(blackholes) < 0)
            {
                throw new CliException("--rounds must be at least 1; --warmup, --kills and --blackholes at least 0.");
            }

            // The device side (agents, link emulation) on CPU 0, the edge on the others: in a deployment they are
            // separate machines, and here a restarting edge's JIT must not slow the phones' clocks.
            var pin = CpuAffinity.IsAvailable;
            if (pin)
            {
                CpuAffinity.Pin(Environment.ProcessId, "0");
            }

            using var model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions { Runtime = new RuntimeOptions { IntraOpThreads = 1 } });
            var corpus = new ReplayCorpus(model, [.. ShortTexts, .. LongTexts]);
            var profile = (await DeviceProfiler.ProfileAsync(new LocalExecutor(model), model, [8, 32, 128], 5, cancellation)).Costs;
            await using var gateway = await GatewayProcess.StartAsync(dll, ["--EdgeSplit:Edge:IntraOpThreads=1"], cpus: pin ? CpuAffinity.AllButFirst : null);
            var bench = new BenefitBenchmark(model, gateway, corpus, profile);
            var inv = CultureInfo.InvariantCulture;
            await output.WriteLineAsync(string.Create(inv, $"{result.GetValue(rounds)} measured rounds per policy and cell (after {result.GetValue(warmup)} warm-up); latency in ms, energy = median modelled device mJ per request"));
            await output.WriteLineAsync(string.Create(inv, $"this machine's fitted phone profile (x class factor): {DeviceProfiler.Summarize(profile)}"));

            var rows = new List<BenefitRow>();
            var faults = new List<FaultTrial>();
            foreach (var phone in phones)
            {
                foreach (var link in profiles)
                {
                    foreach (var (length, lengthTexts) in texts)
                    {
                        var cell = await bench.RunCellAsync(phone, link, length, lengthTexts, result.GetValue(warmup), result.GetValue(rounds), cancellation);
                        rows.AddRange(cell);
                        await WriteCellAsync(output, cell);
                        var auto = cell.Single(r => r.Policy == BenefitBenchmark.AutoLatency);
                        if (auto.Edge * 2 >= auto.Requests && auto.CommonCut < model.StageCount)
                        {
                            var cut = auto.CommonCut;
                            foreach (var (kind, trials) in new[] { (FaultKind.Kill, result.GetValue(kills)), (FaultKind.Blackhole, result.GetValue(blackholes)) })
                            {
                                var done = await bench.RunFaultsAsync(phone, link, length, lengthTexts[0], cut, kind, trials, cancellation);
                                faults.AddRange(done);
                            }
                        }
                    }
                }
            }

            await WriteSummaryAsync(output, rows);
            await WriteFaultsAsync(output, faults);
            return 0;
        });
        return command;
    }

    /// <summary>The entries of a comma-separated option value.</summary>
    internal static IEnumerable<string> Names(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Runs a parser; its <see cref="ArgumentException"/> becomes one line naming the option.</summary>
    internal static T Parse<T>(Func<T> parse, string option)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"{option}: {ex.Message}");
        }
    }

    private static BenefitRow Cell(IReadOnlyList<BenefitRow> cell, string policy) => cell.Single(r => r.Policy == policy);

    private static async Task WriteCellAsync(TextWriter output, IReadOnlyList<BenefitRow> cell)
    {
        var inv = CultureInfo.InvariantCulture;
        var first = cell[0];
        var fixedCuts = cell.Where(r => r.IsFixed).ToList();
        var fastest = fixedCuts.MinBy(r => r.P50Ms)!;
        var thriftiest = fixedCuts.MinBy(r => r.EnergyMj)!;
        await WriteTableHeadAsync(output, string.Create(inv, $"### {first.DeviceClass} / {first.Link} / {first.Length}"), "policy", "p50 ms", "p95 ms", "energy mJ", "edge answers", "local tails", "plans");
        foreach (var r in cell)
        {
            var marks = (ReferenceEquals(r, fastest) ? " (fastest fixed)" : "") + (ReferenceEquals(r, thriftiest) ? " (least-energy fixed)" : "");
            await output.WriteLineAsync(string.Create(inv, $"| {r.Policy}{marks} | {r.P50Ms:F1} | {r.P95Ms:F1} | {r.EnergyMj:F0} | {r.Edge}/{r.Requests} | {r.LocalTails} | {r.Plans} |"));
        }
    }

    private static async Task WriteSummaryAsync(TextWriter output, IReadOnlyList<BenefitRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        await WriteTableHeadAsync(output, "## Summary: auto against the best fixed cut (goal: within 10%) and against all-local", "class", "link", "length", "auto-latency p50 / fastest fixed", "auto-energy / least-energy fixed", "all-local p50 / auto-latency p50", "energy saved by auto-energy vs all-local");
        var latencyMet = 0;
        var energyMet = 0;
        var speedups = new List<double>();
        var savings = new List<double>();
        var cells = rows.GroupBy(r => (r.DeviceClass, r.Link, r.Length)).ToList();
        foreach (var cell in cells)
        {
            var list = cell.ToList();
            var fixedCuts = list.Where(r => r.IsFixed).ToList();
            var autoLatency = Cell(list, BenefitBenchmark.AutoLatency);
            var autoEnergy = Cell(list, BenefitBenchmark.AutoEnergy);
            var local = Cell(list, BenefitBenchmark.Local);
            var latencyRatio = autoLatency.P50Ms / fixedCuts.Min(r => r.P50Ms);
            var energyRatio = autoEnergy.EnergyMj / fixedCuts.Min(r => r.EnergyMj);
            var speedup = local.P50Ms / autoLatency.P50Ms;
            var saving = 1 - (autoEnergy.EnergyMj / local.EnergyMj);
            latencyMet += latencyRatio <= 1.10 ? 1 : 0;
            energyMet += energyRatio <= 1.10 ? 1 : 0;
            speedups.Add(speedup);
            savings.Add(saving);
            await output.WriteLineAsync(string.Create(inv, $"| {cell.Key.DeviceClass} | {cell.Key.Link} | {cell.Key.Length} | {latencyRatio:F2} | {energyRatio:F2} | {speedup:F2}x | {saving * 100:F0}% |"));
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(inv, $"auto-latency within 10% of the fastest fixed cut in {latencyMet} of {cells.Count} cells; auto-energy within 10% of the least-energy fixed cut in {energyMet} of {cells.Count}."));
        await output.WriteLineAsync(string.Create(inv, $"gain over all-local, mean over cells: latency {speedups.Average():F2}x (auto-latency), energy {savings.Average() * 100:F0}% saved (auto-energy)."));
        var offloaded = rows.Where(r => r.Policy != BenefitBenchmark.Local).Sum(r => r.Requests - r.LocalRequests);
        var tails = rows.Where(r => r.Policy != BenefitBenchmark.Local).Sum(r => r.LocalTails);
        await output.WriteLineAsync(string.Create(inv, $"healthy edge: {tails} of {offloaded} offloaded requests started a local tail ({100.0 * tails / Math.Max(1, offloaded):F2}%; goal <= 2%); device compute per offloaded request / plan's head cost, median {Statistics.Median([.. rows.Where(r => !double.IsNaN(r.ComputeOverHead)).Select(r => r.ComputeOverHead)]):F3} (goal within 5%)."));
    }

    private static async Task WriteFaultsAsync(TextWriter output, IReadOnlyList<FaultTrial> faults)
    {
        var inv = CultureInfo.InvariantCulture;
        await WriteTableHeadAsync(output, "## Edge faults under an in-flight request (cells where auto-latency offloads, at its usual cut)", "class", "link", "length", "fault", "cut", "route", "noticed after ms", "RTT ms", "latency ms", "all-local ms", "ratio");
        foreach (var f in faults)
        {
            await output.WriteLineAsync(string.Create(inv, $"| {f.DeviceClass} | {f.Link} | {f.Length} | {f.Fault.ToString().ToLowerInvariant()} | {f.Cut} | {f.Route.ToString().ToLowerInvariant()} | {f.NoticedMs:F1} | {f.RttMs:F0} | {f.LatencyMs:F1} | {f.LocalMs:F1} | {f.Ratio:F2} |"));
        }

        foreach (var kind in new[] { FaultKind.Kill, FaultKind.Blackhole })
        {
            var trials = faults.Where(f => f.Fault == kind).ToList();
            if (trials.Count == 0)
            {
                continue;
            }

            var ratios = trials.Select(f => f.Ratio).ToList();
            var overRtt = trials.Where(f => !double.IsNaN(f.NoticedMs)).Select(f => f.NoticedMs - f.RttMs).ToList();
            await output.WriteLineAsync(string.Create(inv, $"{kind.ToString().ToLowerInvariant()}: {trials.Count} trials; latency / all-local p50 {Statistics.Median(ratios):F2}, p99 {Statistics.Percentile(ratios, 0.99):F2}; noticed after RTT + {Statistics.Median(overRtt):F1} ms median (max {overRtt.DefaultIfEmpty(double.NaN).Max():F1}); {trials.Count(f => double.IsNaN(f.NoticedMs))} never noticed within 30 s."));
        }
    }

    /// <summary>A blank line, a heading, and the header of a Markdown table with <paramref name="columns"/>.</summary>
    private static async Task WriteTableHeadAsync(TextWriter output, string heading, params string[] columns)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync(heading);
        await output.WriteLineAsync($"| {string.Join(" | ", columns)} |");
        await output.WriteLineAsync(string.Concat(Enumerable.Repeat("|---", columns.Length)) + "|");
    }
}
