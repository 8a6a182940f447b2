using System.CommandLine;
using System.Globalization;
using EdgeSplit.DeviceAgent.Bench;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Runtime;

namespace EdgeSplit.DeviceAgent.Cli;

/// <summary>
/// <c>bench-policy</c>: starts the real edge (child process) behind a throttling proxy and compares the
/// auto policy with every fixed cut in four scenarios, then kills the edge under in-flight requests.
/// </summary>
internal static class BenchPolicyCommand
{
    public static Command Create(TextWriter output)
    {
        var gatewayOption = new Option<FileInfo?>("--gateway") { Description = "EdgeSplit.Gateway.dll (default: found in src/Gateway/bin)" };
        var rounds = new Option<int>("--rounds") { Description = "Measured requests per policy and scenario", DefaultValueFactory = _ => 25 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured rounds first (connection, exploration)", DefaultValueFactory = _ => 4 };
        var phone = new Option<double>("--phone-slowdown") { Description = "How much slower the device is than the edge in the normal scenarios", DefaultValueFactory = _ => 3 };
        var deaths = new Option<int>("--deaths") { Description = "Edge kills under an in-flight request", DefaultValueFactory = _ => 5 };
        var deathOnly = new Option<bool>("--death-only") { Description = "Skip the policy scenarios" };
        var sharedCpus = new Option<bool>("--shared-cpus") { Description = "Do not pin the device (this process) to CPU 0 and the edge to the other CPUs" };
        var command = new Command("bench-policy", "Benchmark the split planner's auto policy against fixed cuts, and fallback when the edge dies.")
        {
            gatewayOption, rounds, warmup, phone, deaths, deathOnly, sharedCpus,
        };
        command.SetAction(async (result, cancellation) =>
        {
            var dll = result.GetValue(gatewayOption)?.FullName ?? GatewayProcess.Locate()
                ?? throw new CliException("EdgeSplit.Gateway.dll not found: build src/Gateway or pass --gateway.");
            var slow = result.GetValue(phone);
            PolicyScenario[] scenarios =
            [
                new("fast link, idle edge", 0.25, 0, 0, slow),
                new("slow link (20 ms, 2 Mbit/s)", 10, 250, 0, slow),
                new("loaded edge (3 background clients)", 0.25, 0, 3, slow),
                new("slow device (x3 slower again)", 2, 5000, 0, slow * 3),
            ];

            // Device and edge are separate machines in a deployment. Here they share the cores, so by default the
            // device (this process: agents, link proxy, background clients) is pinned to CPU 0 and the edge to the
            // other CPUs; otherwise a hedge's local tail, a dying edge's teardown or a restarting edge's JIT would
            // slow the other side: a property of this test bed, not of the agent. One intra-op thread each.
            var pin = !result.GetValue(sharedCpus) && CpuAffinity.IsAvailable;
            if (pin)
            {
                CpuAffinity.Pin(Environment.ProcessId, "0");
            }

            using var model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions { Runtime = new RuntimeOptions { IntraOpThreads = 1 } });
            await using var gateway = await GatewayProcess.StartAsync(dll, ["--EdgeSplit:Edge:IntraOpThreads=1"], cpus: pin ? CpuAffinity.AllButFirst : null);
            await using var proxy = new ThrottlingProxy(gateway.EndPoint);
            var bench = new PolicyBenchmark(model, gateway, EdgeTransportFactory.Create);
            var inv = CultureInfo.InvariantCulture;
            await output.WriteLineAsync(string.Create(inv, $"device x{slow} slower than the edge (emulated), {result.GetValue(rounds)} measured rounds per policy, medians in ms"));
            await output.WriteLineAsync(pin
                ? $"placement: device (this process) on CPU 0, edge on CPUs {CpuAffinity.AllButFirst} (--shared-cpus: no pinning)"
                : "placement: device and edge share every CPU");
            var all = new List<PolicyResult>();
            foreach (var scenario in result.GetValue(deathOnly) ? [] : scenarios)
            {
                var results = await bench.RunScenarioAsync(proxy, scenario, result.GetValue(warmup), result.GetValue(rounds), cancellation);
                all.AddRange(results);
                await WriteScenarioAsync(output, scenario, results);
            }

            if (all.Count > 0)
            {
                await WriteSummaryAsync(output, scenarios, all);
            }

            foreach (var resetFirst in new[] { false, true })
            {
                var trials = await bench.RunEdgeDeathAsync(proxy, slow * 3, result.GetValue(deaths), resetFirst, cancellation);
                await output.WriteLineAsync();
                await output.WriteLineAsync(resetFirst
                    ? "edge killed and its connection reset while a request (cut 1) is on the wire:"
                    : "edge process killed (SIGKILL) while a request (cut 1) is on the wire:");
                await output.WriteLineAsync("| trial | route | killed at ms | latency ms | local median ms | ratio |");
                await output.WriteLineAsync("|---|---|---|---|---|---|");
                for (var i = 0; i < trials.Count; i++)
                {
                    var (fallback, local, route, killedAt) = trials[i];
                    await output.WriteLineAsync(string.Create(inv, $"| {i + 1} | {route.ToString().ToLowerInvariant()} | {killedAt:F1} | {fallback:F1} | {local:F1} | {fallback / local:F2} |"));
                }

                var ratios = trials.Select(t => t.FallbackMs / t.LocalMs).ToArray();
                await output.WriteLineAsync(string.Create(inv, $"median ratio {PolicyBenchmark.Median(ratios):F2}, worst {ratios.DefaultIfEmpty(double.NaN).Max():F2} (target <= 1.10)"));
            }

            return 0;
        });
        return command;
    }

    private static async Task WriteScenarioAsync(TextWriter output, PolicyScenario scenario, IReadOnlyList<PolicyResult> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var fixedCuts = results.Where(r => r.Policy != "auto").ToArray();
        var best = fixedCuts.MinBy(r => r.MedianMs)!;
        var auto = results.Single(r => r.Policy == "auto");
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(inv, $"### {scenario.Name}"));
        await output.WriteLineAsync("| policy | median ms | vs best fixed | routes |");
        await output.WriteLineAsync("|---|---|---|---|");
        foreach (var r in results)
        {
            var routes = string.Join(" ", r.Routes.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key.ToString().ToLowerInvariant()}:{kv.Value}"));
            routes += "; plans " + string.Join(" ", r.Cuts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));

            await output.WriteLineAsync(string.Create(inv, $"| {r.Policy}{(ReferenceEquals(r, best) ? " (best fixed)" : "")} | {r.MedianMs:F1} | {r.MedianMs / best.MedianMs:F2} | {routes} |"));
        }

        await output.WriteLineAsync(string.Create(inv, $"auto / best fixed = {auto.MedianMs / best.MedianMs:F3} (target <= 1.10)"));
    }

    private static async Task WriteSummaryAsync(TextWriter output, IReadOnlyList<PolicyScenario> scenarios, IReadOnlyList<PolicyResult> all)
    {
        var inv = CultureInfo.InvariantCulture;
        double Mean(string policy) => scenarios.Average(s => all.Single(r => r.Scenario == s.Name && r.Policy == policy).MedianMs);
        var auto = Mean("auto");
        var local = Mean("local");
        var offload = Mean("cut 1");
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(inv, $"mean of scenario medians: auto {auto:F1} ms, always-local {local:F1} ms ({auto / local:F2}x), always-offload at cut 1 {offload:F1} ms ({auto / offload:F2}x)"));
    }
}
