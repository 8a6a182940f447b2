using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeSplit.Bench.Device;
using EdgeSplit.Cli;
using EdgeSplit.Inference.Decoder;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Scenarios.Links;
using EdgeSplit.Scenarios.Processes;

namespace EdgeSplit.Bench.Generation;

/// <summary>
/// <c>bench-generate</c>: writes a decoder at benchmark time (never committed) and measures the tail's decode
/// batching in one process, then against a real edge process: the node's overhead per decode step, TTFT and TPOT of
/// local, split and fully offloaded sessions over the emulated phone links, and the cost of the edge dying mid-token.
/// </summary>
internal static class BenchGenerateCommand
{
    private const string PromptText = "Split generation across a phone and an edge: how long to the first token, and per token after it?";

    public static Command Create(TextWriter output)
    {
        var layout = new Option<string>("--layout") { Description = "gpt2 | llama", DefaultValueFactory = _ => "gpt2" };
        var size = new Option<string>("--size") { Description = "tiny | small | smollm2 (llama) | layers=...,hidden=...", DefaultValueFactory = _ => "small" };
        var model = new Option<DirectoryInfo?>("--model") { Description = "Use this decoder directory instead of writing one" };
        var gatewayOption = new Option<FileInfo?>("--gateway") { Description = "EdgeSplit.Gateway.dll (default: found in src/Gateway/bin)" };
        var measure = new Option<string>("--measure") { Description = "Parts to run: batching, overhead, links, failover", DefaultValueFactory = _ => "batching,overhead,links,failover" };
        var sessions = new Option<int>("--sessions") { Description = "Concurrent sessions for the batching measurement", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "Decode steps per session (batching); new tokens per session (links)", DefaultValueFactory = _ => 8 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Positions each batched session holds before decoding", DefaultValueFactory = _ => 32 };
        var cut = new Option<int>("--cut") { Description = "First stage of the tail for batching and overhead", DefaultValueFactory = _ => 1 };
        var splitCut = new Option<int?>("--split-cut") { Description = "Cut of the split sessions and of failover (default: half the stages)" };
        var links = new Option<string>("--links") { Description = "Link profiles, comma-separated (wifi, 5g, lte, 3g, none)", DefaultValueFactory = _ => "wifi,5g,lte,3g" };
        var runs = new Option<int>("--runs") { Description = "Measured sessions per link and session kind", DefaultValueFactory = _ => 3 };
        var overheadSteps = new Option<int>("--overhead-steps") { Description = "Decode steps for the overhead measurement", DefaultValueFactory = _ => 64 };
        var kills = new Option<int>("--kills") { Description = "Failover trials (one edge SIGKILL each)", DefaultValueFactory = _ => 3 };
        var killAfter = new Option<int>("--kill-after") { Description = "Tokens the edge produces before it dies", DefaultValueFactory = _ => 10 };
        var failoverLink = new Option<string>("--failover-link") { Description = "Link of the failover trials", DefaultValueFactory = _ => "wifi" };
        var command = new Command("bench-generate", "Decode batching, node overhead, TTFT/TPOT over emulated links and failover cost of split generation.")
        {
            layout, size, model, gatewayOption, measure, sessions, steps, promptTokens, cut, splitCut, links, runs, overheadSteps, kills, killAfter, failoverLink,
        };
        command.SetAction(async (result, cancellation) =>
        {
            var parts = BenchPolicyCommand.Names(result.GetValue(measure)!).ToHashSet(StringComparer.Ordinal);
            if (parts.Except(["batching", "overhead", "links", "failover"]).FirstOrDefault() is { } unknown)
            {
                throw new CliException($"--measure: unknown part '{unknown}' (known: batching, overhead, links, failover).");
            }

            if (result.GetValue(runs) < 1 || result.GetValue(kills) < 1 || result.GetValue(killAfter) < 2 || result.GetValue(steps) < 2)
            {
                throw new CliException("--runs and --kills must be at least 1; --kill-after and --steps at least 2.");
            }

            var profiles = BenchPolicyCommand.Names(result.GetValue(links)!).Select(Link).ToList();
            var directory = result.GetValue(model)?.FullName;
            string? written = null;
            if (directory is null)
            {
                var kind = result.GetValue(layout) == "llama" ? DecoderLayout.Llama : DecoderLayout.Gpt2;
                var dims = BenchPolicyCommand.Parse(() => DecoderDimensions.Parse(result.GetValue(size)!, kind), "--size");
                directory = written = Path.Combine(Path.GetTempPath(), "edgesplit-bench-decoder-" + Guid.NewGuid().ToString("N")[..8]);
                var clock = Stopwatch.StartNew();
                DecoderModelWriter.Write(directory, kind, dims, seed: 1);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {kind.ToString().ToLowerInvariant()} {dims.Layers}x{dims.Hidden} ({dims.Heads} heads, {dims.KvHeads} kv, ffn {dims.Intermediate}, vocab {dims.Vocab}) in {clock.Elapsed.TotalSeconds:F1} s"));
            }

            try
            {
                var tailCut = result.GetValue(cut);
                if (parts.Contains("batching"))
                {
                    // As the edge runs it: every core, ONNX Runtime's default threads.
                    using var edgeSide = DecoderModel.Load(directory);
                    CheckCut(tailCut, edgeSide.StageCount);
                    DecodeBatching.Run(output, edgeSide, result.GetValue(sessions), result.GetValue(steps), result.GetValue(promptTokens), tailCut);
                }

                if (!parts.Overlaps(["overhead", "links", "failover"]))
                {
                    return 0;
                }

                // Device work (this process) on CPU 0, the edge process on the others: separate machines in a deployment.
                var pin = CpuAffinity.IsAvailable;
                if (pin)
                {
                    CpuAffinity.Pin(Environment.ProcessId, "0");
                }

                using var decoder = DecoderModel.Load(directory, new RuntimeOptions { AllowSpinning = false, IntraOpThreads = pin ? 1 : 0 });
                var middle = result.GetValue(splitCut) ?? decoder.StageCount / 2;
                CheckCut(tailCut, decoder.StageCount);
                CheckCut(middle, decoder.StageCount);

                // Folded into the model's vocabulary: a SmolLM2-sized model has fewer rows than the GPT-2 tokenizer has ids.
                var prompt = decoder.Tokenizer.Encode(PromptText).Select(id => id % decoder.Manifest.VocabSize).ToList();

                var dll = result.GetValue(gatewayOption)?.FullName ?? GatewayProcess.Locate()
                    ?? throw new CliException("EdgeSplit.Gateway.dll not found: build src/Gateway or pass --gateway.");
                string[] settings = [$"--EdgeSplit:Edge:ModelPath={Path.Combine(directory, DecoderModelInfo.ModelFileName)}", $"--EdgeSplit:Edge:IntraOpThreads={(pin ? 1 : 0)}"];
                await using var edge = await GatewayProcess.StartAsync(dll, settings, TimeSpan.FromSeconds(120), "edge", cpus: pin ? CpuAffinity.AllButFirst : null);
                await output.WriteLineAsync(pin ? $"device on CPU 0, edge process on CPUs {CpuAffinity.AllButFirst}" : "device and edge process share all CPUs");
                if (parts.Contains("overhead"))
                {
                    await NodeOverhead.RunAsync(output, decoder, edge.Address, tailCut, prompt, result.GetValue(overheadSteps), cancellation);
                }

                if (parts.Contains("links"))
                {
                    await GenerationLatency.RunAsync(output, decoder, edge.EndPoint, profiles, middle, prompt, result.GetValue(steps), result.GetValue(runs), cancellation);
                }

                if (parts.Contains("failover"))
                {
                    await FailoverCost.RunAsync(output, decoder, edge, Link(result.GetValue(failoverLink)!), middle, prompt, result.GetValue(killAfter), result.GetValue(kills), cancellation);
                }
            }
            finally
            {
                if (written is not null)
                {
                    Directory.Delete(written, recursive: true);
                }
            }

            return 0;
        });
        return command;
    }

    private static void CheckCut(int cut, int stages)
    {
        if (cut < 1 || cut >= stages)
        {
            throw new CliException($"--cut and --split-cut must be in 1..{stages - 1} for this decoder, not {cut}.");
        }
    }

    private static LinkProfile Link(string name) => BenchPolicyCommand.Parse(() => LinkProfile.Named(name), "--links");
}
