using System.Diagnostics;
using System.Globalization;
using EdgeSplit.Inference.Decoder;

namespace EdgeSplit.Bench.Generation;

/// <summary>
/// The tail's decode throughput in one process: the same sessions (at different positions, as in real traffic)
/// decoded one at a time, then all in one ONNX Runtime run per step — the calls the edge's scheduler makes.
/// </summary>
internal static class DecodeBatching
{
    public static void Run(TextWriter output, DecoderModel model, int sessions, int steps, int promptTokens, int cut)
    {
        var random = new Random(3);
        var row = Rows(random, 1, model.Manifest.HiddenSize);
        var rows = Rows(random, sessions, model.Manifest.HiddenSize);
        var alone = Prefill(model, random, sessions, promptTokens, cut);
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
        var together = Prefill(model, random, sessions, promptTokens, cut);
        model.Forward(cut, model.StageCount, together, null, rows, 1);
        clock.Restart();
        for (var s = 0; s < steps; s++)
        {
            model.Forward(cut, model.StageCount, together, null, rows, 1);
        }

        var batchedSeconds = clock.Elapsed.TotalSeconds;
        var tokens = sessions * steps;
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"decode stages [{cut},{model.StageCount}), {sessions} sessions at {promptTokens}..{2 * promptTokens} positions, {steps} steps each:"));
        output.WriteLine(string.Create(inv, $"  one session at a time: {tokens / aloneSeconds,8:F1} tokens/s ({1000 * aloneSeconds / tokens:F2} ms per token)"));
        output.WriteLine(string.Create(inv, $"  all in one run:        {tokens / batchedSeconds,8:F1} tokens/s ({1000 * batchedSeconds / steps:F2} ms per run); {aloneSeconds / batchedSeconds:F2}x"));
    }

    /// <summary><paramref name="count"/> random rows of <paramref name="width"/> values in [-1, 1): cut activations for the tail.</summary>
    public static float[] Rows(Random random, int count, int width)
    {
        var values = new float[count * width];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    private static KvCache[] Prefill(DecoderModel model, Random random, int sessions, int promptTokens, int cut)
    {
        var caches = Enumerable.Range(0, sessions).Select(_ => model.NewCache(cut, model.StageCount)).ToArray();
        foreach (var cache in caches)
        {
            // Different lengths, as in real traffic: sessions sit at different positions.
            var length = promptTokens + random.Next(0, promptTokens);
            model.Forward(cut, model.StageCount, [cache], null, Rows(random, length, model.Manifest.HiddenSize), length);
        }

        return caches;
    }
}
