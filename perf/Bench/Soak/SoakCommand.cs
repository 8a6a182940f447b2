using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Scenarios.Processes;

namespace EdgeSplit.Bench.Soak;

/// <summary>
/// <c>soak</c>: starts a real edge process and, for each attacker kind in turn, runs a normal device alone, then beside the
/// attacker, then alone again, for <c>--seconds</c> each (the last phase at most 15 s). Reports the edge's resident memory
/// (VmRSS from /proc) at the start, its peak, and after the attacker left, and the normal device's p99 alone and attacked.
/// Every loop is bounded in time; <c>--json FILE</c> writes the results.
/// </summary>
internal static class SoakCommand
{
    public static Command Create(TextWriter output)
    {
        var seconds = new Option<double>("--seconds") { Description = "Seconds alone and attacked per attacker (after: at most 15 s)", DefaultValueFactory = _ => 60.0 };
        var attacker = new Option<string>("--attacker") { Description = "slow-reader, extreme, malformed, flood or all (comma-separated)", DefaultValueFactory = _ => "all" };
        var json = new Option<string>("--json") { Description = "Write the results to this file", DefaultValueFactory = _ => "" };
        var command = new Command("soak", "Hostile clients against a real edge process: its memory and a normal device's latency. --EdgeSplit:...=... arguments go to the edge.")
        {
            seconds, attacker, json,
        };

        // Edge settings pass through as they are; anything else unknown is an error.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellation) =>
        {
            var settings = result.UnmatchedTokens.ToList();
            if (settings.FirstOrDefault(t => !t.StartsWith("--EdgeSplit:", StringComparison.Ordinal)) is { } unknown)
            {
                throw new ArgumentException($"soak: unrecognized argument '{unknown}' (edge settings are passed as --EdgeSplit:Section:Key=value).");
            }

            var which = result.GetValue(attacker)!;
            Attacker[] kinds = which == "all" ? Enum.GetValues<Attacker>() : [.. which.Split(',').Select(Parse)];
            return RunAsync(result.GetValue(seconds), kinds, result.GetValue(json)!, settings, output);
        });
        return command;
    }

    private static async Task<int> RunAsync(double seconds, Attacker[] kinds, string json, IReadOnlyList<string> settings, TextWriter output)
    {
        var dll = GatewayProcess.Locate(AppContext.BaseDirectory) ?? throw new ArgumentException("EdgeSplit.Gateway.dll not found: build src/Gateway first.");
        using var model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions { Runtime = new RuntimeOptions { AllowSpinning = false, IntraOpThreads = 1 } });
        var requests = new SoakRequests(model);
        output.WriteLine(Invariant($"soak: {seconds:F0} s alone, {seconds:F0} s attacked, {Math.Min(seconds, 15):F0} s after, per attacker; {Environment.ProcessorCount} cores shared with the clients"));

        var results = new List<SoakResult>();
        foreach (var kind in kinds)
        {
            // A fresh edge per attacker: one attacker's leftovers must not count against the next.
            await using var edge = await GatewayProcess.StartAsync(dll, [.. settings], TimeSpan.FromSeconds(120), name: "edge");
            var result = await SoakRun.RunAsync(edge, kind, requests, TimeSpan.FromSeconds(seconds), output);
            results.Add(result);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{result.Attacker}: RSS start {result.RssStartMb:F0} MB, peak {result.RssPeakMb:F0} MB, after {result.RssAfterMb:F0} MB; " +
                $"normal p99 alone {result.P99AloneMs:F1} ms (max {result.MaxAloneMs:F0}, {result.NormalAnsweredAlone} answered), attacked {result.P99AttackedMs:F1} ms (max {result.MaxAttackedMs:F0}, " +
                $"{result.NormalAnsweredAttacked} answered), {result.NormalFailed} failed; attacker calls {result.AttackerCalls} " +
                $"[{string.Join(", ", result.AttackerStatuses.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))}]"));
        }

        if (json.Length > 0)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static Attacker Parse(string name) => name switch
    {
        "slow-reader" => Attacker.SlowReader,
        "extreme" => Attacker.Extreme,
        "malformed" => Attacker.Malformed,
        "flood" => Attacker.Flood,
        _ => throw new ArgumentException($"--attacker must be slow-reader, extreme, malformed, flood or all (comma-separated), not '{name}'."),
    };

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
