using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Partitioning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;
using EdgeSplit.Scenarios;

namespace EdgeSplit.Bench.Device;

/// <summary>
/// <c>bench-split</c>: what partitioning costs. Times parse + partition, cold and warm loads, and local
/// execution through the chain of stage sessions against one unsplit session on the same inputs,
/// interleaved in one run so machine noise hits both sides alike.
/// </summary>
internal static class BenchSplitCommand
{
    public static Command Create(TextWriter output)
    {
        var iterations = new Option<int>("--iterations") { Description = "Timed runs per configuration and side", DefaultValueFactory = _ => 200 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads", DefaultValueFactory = _ => 1 };
        var command = new Command("bench-split", "Benchmark partitioning and split-vs-unsplit local execution on the bundled model.") { iterations, threads };
        command.SetAction((result, cancellation) =>
        {
            var runs = Math.Clamp(result.GetValue(iterations), 5, 10_000);
            var runtime = new RuntimeOptions { IntraOpThreads = Math.Max(1, result.GetValue(threads)) };
            var source = ModelSource.Bundled();
            MeasurePartitioning(output, source, runtime);

            using var split = SplitModel.Load(source, new SplitModelOptions { Runtime = runtime });
            using var unsplit = new ReferenceModel(source, runtime);
            output.WriteLine();
            output.WriteLine($"local execution, {runtime.IntraOpThreads} thread(s), {runs} interleaved runs per side (median ms)");
            output.WriteLine("| batch x tokens | unsplit | 8-stage chain | ratio |");
            output.WriteLine("|---|---|---|---|");
            foreach (var (batch, tokens) in new[] { (1, 16), (1, 128), (8, 16) })
            {
                cancellation.ThrowIfCancellationRequested();
                var input = SyntheticTokens(batch, tokens, split.Tokenizer.VocabSize);
                var perSide = tokens >= 128 ? Math.Max(5, runs / 4) : runs;
                var (unsplitMs, chainMs) = Interleaved(perSide, () => unsplit.LastHiddenState(input), () => split.Run(input, null, 0, split.StageCount - 1));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {batch} x {tokens} | {unsplitMs:F2} | {chainMs:F2} | {chainMs / unsplitMs:F3} |"));
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static void MeasurePartitioning(TextWriter output, ModelSource source, RuntimeOptions runtime)
    {
        var clock = Stopwatch.StartNew();
        var parsed = ModelPartitioner.Parse(source.ModelBytes, source.Origin);
        var parseMs = clock.Elapsed.TotalMilliseconds;
        var partitionMs = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            clock.Restart();
            ModelPartitioner.Partition(parsed, source.Id, "bench", new PartitionOptions());
            partitionMs.Add(clock.Elapsed.TotalMilliseconds);
        }

        var cacheRoot = Path.Combine(Path.GetTempPath(), $"edgesplit-bench-{Guid.NewGuid():N}");
        try
        {
            var options = new SplitModelOptions { Runtime = runtime, Cache = new SegmentCache(cacheRoot) };
            ModelLoadTimings cold, warm;
            using (var model = SplitModel.Load(source, options))
            {
                cold = model.LoadTimings;
            }

            using (var model = SplitModel.Load(source, options))
            {
                warm = model.LoadTimings;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"parse {parseMs:F0} ms; partition (8 segments, in memory) median {Statistics.Median(partitionMs):F0} ms of 5"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cold load {cold.TotalMs:F0} ms (hash {cold.HashMs:F0}, parse {cold.ParseMs:F0}, partition {cold.PartitionMs:F0}, cache write {cold.CacheWriteMs:F0}, sessions {cold.SessionsMs:F0})"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warm load {warm.TotalMs:F0} ms (hash {warm.HashMs:F0}, sessions {warm.SessionsMs:F0}; cache hit {warm.CacheHit})"));
        }
        finally
        {
            try
            {
                Directory.Delete(cacheRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static (double First, double Second) Interleaved(int runs, Action first, Action second)
    {
        for (var i = 0; i < Math.Max(3, runs / 10); i++)
        {
            first();
            second();
        }

        var a = new List<double>(runs);
        var b = new List<double>(runs);
        var clock = new Stopwatch();
        for (var i = 0; i < runs; i++)
        {
            // Alternate which side goes first so neither always runs on a warmer cache.
            var (x, y, xs, ys) = i % 2 == 0 ? (first, second, a, b) : (second, first, b, a);
            clock.Restart();
            x();
            xs.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            y();
            ys.Add(clock.Elapsed.TotalMilliseconds);
        }

        return (Statistics.Median(a), Statistics.Median(b));
    }

    internal static TokenBatch SyntheticTokens(int batch, int tokens, int vocabSize)
    {
        var random = new Random(42);
        var ids = new long[batch * tokens];
        for (var row = 0; row < batch; row++)
        {
            for (var i = 0; i < tokens; i++)
            {
                ids[(row * tokens) + i] = i == 0 ? 101 : i == tokens - 1 ? 102 : random.Next(1000, Math.Min(vocabSize, 29000));
            }
        }

        var mask = Enumerable.Repeat(1L, ids.Length).ToArray();
        return new TokenBatch(batch, tokens, ids, mask, new long[ids.Length]);
    }
}
