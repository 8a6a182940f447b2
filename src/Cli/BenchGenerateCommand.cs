using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeSplit.DeviceAgent.Generation;
using EdgeSplit.Inference.Decoder;

namespace EdgeSplit.Cli;

/// <summary>
/// <c>bench-generate</c>: writes a decoder at benchmark time (never committed) and measures (1) the tail's decode
/// throughput with many sessions batched into one run against the same sessions one at a time, and (2) with
/// <c>--edge</c>, time to first token and per output token for local, split and fully offloaded sessions.
/// </summary>
internal static class BenchGenerateCommand
{
    public static Command Create(TextWriter output)
    {
        var layout = new Option<string>("--layout") { Description = "gpt2 | llama", DefaultValueFactory = _ => "gpt2" };
        var size = new Option<string>("--size") { Description = "tiny | small | layers=...,hidden=...", DefaultValueFactory = _ => "small" };
        var model = new Option<DirectoryInfo?>("--model") { Description = "Use this decoder directory instead of writing one" };
        var sessions = new Option<int>("--sessions") { Description = "Concurrent sessions for the batching measurement", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "Decode steps per session", DefaultValueFactory = _ => 16 };
        var prompt = new Option<int>("--prompt-tokens") { Description = "Positions each session holds before decoding", DefaultValueFactory = _ => 32 };
        var cut = new Option<int>("--cut") { Description = "First stage of the tail the edge runs", DefaultValueFactory = _ => 1 };
        var edge = new Option<string?>("--edge") { Description = "Also measure TTFT/TPOT local, split at --cut and offloaded (cut 1) against this edge" };
        var command = new Command("bench-generate", "Measure decode batching throughput and TTFT/TPOT of split generation.")
        {
            layout, size, model, sessions, steps, prompt, cut, edge,
        };
        command.SetAction(async (result, cancellation) =>
        {
            var directory = result.GetValue(model)?.FullName;
            string? written = null;
            if (directory is null)
            {
                var kind = result.GetValue(layout) == "llama" ? DecoderLayout.Llama : DecoderLayout.Gpt2;
                var dims = DecoderDimensions.Parse(result.GetValue(size)!, kind);
                directory = written = Path.Combine(Path.GetTempPath(), "edgesplit-bench-decoder-" + Guid.NewGuid().ToString("N")[..8]);
                var clock = Stopwatch.StartNew();
                DecoderModelWriter.Write(directory, kind, dims, seed: 1);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {kind.ToString().ToLowerInvariant()} {dims.Layers}x{dims.Hidden} ({dims.Heads} heads, {dims.KvHeads} kv) in {clock.Elapsed.TotalSeconds:F1} s"));
            }

            try
            {
                using var decoder = DecoderModel.Load(directory);
                Batching(output, decoder, result.GetValue(sessions), result.GetValue(steps), result.GetValue(prompt), result.GetValue(cut));
                if (result.GetValue(edge) is { } url)
                {
                    await using var link = GenerationLinkFactory.Create(url, decoder.Manifest.HiddenSize);
                    await LatencyAsync(output, decoder, link, result.GetValue(cut), result.GetValue(steps), cancellation);
                    await OverheadAsync(output, decoder, link, result.GetValue(cut), result.GetValue(steps) * 4, cancellation);
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

    private static void Batching(TextWriter output, DecoderModel model, int sessions, int steps, int promptTokens, int cut)
    {
        var width = model.Manifest.HiddenSize;
        var random = new Random(3);
        KvCache[] Prefill()
        {
            var caches = Enumerable.Range(0, sessions).Select(_ => model.NewCache(cut, model.StageCount)).ToArray();
            foreach (var cache in caches)
            {
                // Different lengths, as in real traffic: sessions sit at different positions.
                var length = promptTokens + random.Next(0, promptTokens);
                model.Forward(cut, model.StageCount, [cache], null, Row(random, length * width), length);
            }

            return caches;
        }

        var row = Row(random, width);
        var rows = Row(random, sessions * width);
        var alone = Prefill();
        model.Forward(cut, model.StageCount, [alone[0]], null, row, 1);
        var clock = Stopwatch.StartNew();
        for (var s = 0; s < steps; s++)
        {
            foreach (var cache in alone)
            {
                model.Forward(cut, model.StageCount, [cache], null, row, 1);
            }
        }

        var aloneSeconds = clock.Elapsed.TotalSeconds;
        var together = Prefill();
        model.Forward(cut, model.StageCount, together, null, rows, 1);
        clock.Restart();
        for (var s = 0; s < steps; s++)
        {
            model.Forward(cut, model.StageCount, together, null, rows, 1);
        }

        var batchedSeconds = clock.Elapsed.TotalSeconds;
        var tokens = sessions * steps;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"decode stages [{cut},{model.StageCount}), {sessions} sessions at {promptTokens}..{2 * promptTokens} positions, {steps} steps each:"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  one session at a time: {tokens / aloneSeconds,8:F1} tokens/s ({1000 * aloneSeconds / tokens:F2} ms per token)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  all in one run:        {tokens / batchedSeconds,8:F1} tokens/s ({1000 * batchedSeconds / steps:F2} ms per run); {aloneSeconds / batchedSeconds:F2}x"));
    }

    private static async Task LatencyAsync(TextWriter output, DecoderModel model, GenerationLinkFactory link, int cut, int steps, CancellationToken cancellationToken)
    {
        var prompt = model.Tokenizer.Encode("Split generation across a phone and an edge: how long to the first token, and per token after it?");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one session, {prompt.Count}-token prompt, {steps} new tokens (median of 3):"));
        foreach (var (name, sessionCut) in new (string, int?)[] { ("local", null), ($"split at {cut}", cut), ("offloaded (cut 1)", 1) })
        {
            var firsts = new List<double>();
            var perToken = new List<double>();
            var routes = new HashSet<GenerationRoute>();
            for (var run = 0; run < 4; run++)
            {
                var generator = new SplitGenerator(model, link);
                var times = new List<double>();
                await foreach (var token in generator.GenerateAsync(new GenerationRequest { Prompt = prompt, MaxNewTokens = steps, Cut = sessionCut }, cancellationToken))
                {
                    times.Add(token.Ms);
                    routes.Add(token.Route);
                }

                if (run > 0)
                {
                    firsts.Add(times[0]);
                    perToken.Add(times.Skip(1).Average());
                }
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-18} TTFT {Median(firsts),8:F2} ms   TPOT {Median(perToken),7:F2} ms   routes {string.Join(",", routes).ToLowerInvariant()}"));
        }
    }

    private static async Task OverheadAsync(TextWriter output, DecoderModel model, GenerationLinkFactory link, int cut, int steps, CancellationToken cancellationToken)
    {
        var prompt = model.Tokenizer.Encode("How much does the node add to each decode step?").Select(i => (long)i).ToArray();
        var head = model.NewCache(0, cut);
        await using var session = (GrpcGenerationLink)await link.OpenAsync(model.ModelHash, cut, SamplingOptions.Greedy, cancellationToken);
        var token = await session.PrefillAsync(model.Forward(0, cut, [head], prompt, null, prompt.Length), prompt.Length, cancellationToken);
        var overhead = new List<double>();
        var compute = new List<double>();
        for (var i = 0; i < steps; i++)
        {
            var row = model.Forward(0, cut, [head], [token], null, 1);
            token = await session.StepAsync(row, head.Length - 1, cancellationToken);
            overhead.Add(session.LastNodeMs - session.LastComputeMs);
            compute.Add(session.LastComputeMs);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"node overhead per decode step over its ONNX Runtime time ({steps} steps, one session): median {Median(overhead):F3} ms, p90 {Percentile(overhead, 0.9):F3} ms (ORT median {Median(compute):F2} ms)"));
    }

    private static double Percentile(List<double> values, double p)
    {
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)(p * values.Count))];
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static float[] Row(Random random, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
