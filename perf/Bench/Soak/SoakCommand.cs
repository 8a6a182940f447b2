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
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var seconds = Arg(args, "--seconds", 60.0);
        var kinds = Text(args, "--attacker", "all") is var which && which == "all"
            ? Enum.GetValues<Attacker>()
            : [.. which.Split(',').Select(Parse)];
        var json = Text(args, "--json", "");
        var dll = GatewayProcess.Locate(AppContext.BaseDirectory) ?? throw new ArgumentException("EdgeSplit.Gateway.dll not found: build src/Gateway first.");
        using var model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions { Runtime = new RuntimeOptions { AllowSpinning = false, IntraOpThreads = 1 } });
        var requests = new SoakRequests(model);
        output.WriteLine(Invariant($"soak: {seconds:F0} s alone, {seconds:F0} s attacked, {Math.Min(seconds, 15):F0} s after, per attacker; {Environment.ProcessorCount} cores shared with the clients"));

        var results = new List<SoakResult>();
        foreach (var kind in kinds)
        {
            // A fresh edge per attacker: one attacker's leftovers must not count against the next.
            await using var edge = await GatewayProcess.StartAsync(dll, [.. Settings(args)], TimeSpan.FromSeconds(120), name: "edge");
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

    /// <summary>Edge settings passed through: every <c>--EdgeSplit:...=...</c> argument.</summary>
    private static IEnumerable<string> Settings(string[] args) => args.Where(a => a.StartsWith("--EdgeSplit:", StringComparison.Ordinal));

    private static Attacker Parse(string name) => name switch
    {
        "slow-reader" => Attacker.SlowReader,
        "extreme" => Attacker.Extreme,
        "malformed" => Attacker.Malformed,
        "flood" => Attacker.Flood,
        _ => throw new ArgumentException($"--attacker must be slow-reader, extreme, malformed, flood or all (comma-separated), not '{name}'."),
    };

    private static double Arg(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string Text(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
