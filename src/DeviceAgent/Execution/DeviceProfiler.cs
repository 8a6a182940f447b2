using System.Diagnostics;
using System.Globalization;
using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>Start-up profile: runs the whole model on a few sequence lengths and fits fixed + per-token cost per stage.</summary>
public static class DeviceProfiler
{
    /// <summary>Runs the whole model through <paramref name="compute"/> (warm-up, then the median of the timed runs per length).</summary>
    public static async Task<(LinearStageCost[] Costs, double ElapsedMs)> ProfileAsync(
        IDeviceCompute compute, SplitModel model, IReadOnlyList<int> lengths, int repeats, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var samples = Enumerable.Range(0, model.StageCount).Select(_ => new List<(int, double)>()).ToArray();
        foreach (var length in lengths.Select(l => Math.Min(l, model.Tokenizer.MaxTokens)).Distinct())
        {
            var tokens = Synthetic(model.Tokenizer.VocabSize, length);
            var stageMs = new double[model.StageCount];
            await compute.FullAsync(tokens, stageMs, cancellationToken); // warm-up: first run of a shape pays allocation and kernel choice
            var runs = Enumerable.Range(0, model.StageCount).Select(_ => new double[repeats]).ToArray();
            for (var r = 0; r < repeats; r++)
            {
                await compute.FullAsync(tokens, stageMs, cancellationToken);
                for (var s = 0; s < stageMs.Length; s++)
                {
                    runs[s][r] = stageMs[s];
                }
            }

            // The median per length, not every run: one preempted run on a busy phone must not tilt the fit.
            for (var s = 0; s < stageMs.Length; s++)
            {
                Array.Sort(runs[s]);
                samples[s].Add((tokens.Sequence, runs[s][repeats / 2]));
            }
        }

        return (samples.Select(LinearStageCost.Fit).ToArray(), clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>One line per profile: each stage's fixed + per-token milliseconds.</summary>
    public static string Summarize(IReadOnlyList<LinearStageCost> costs) =>
        string.Join("; ", costs.Select((c, i) => string.Create(CultureInfo.InvariantCulture, $"s{i} {c.FixedMs:F3}+{c.PerTokenMs:F4}/tok")));

    /// <summary>A [CLS] w w ... [SEP] sequence of the given length; content does not change an encoder's cost.</summary>
    private static TokenBatch Synthetic(int vocabSize, int length)
    {
        // BERT vocabularies put [CLS]=101, [SEP]=102 and ordinary words above 1000; clamp for tiny vocabularies.
        long cls = Math.Min(101, vocabSize - 1), sep = Math.Min(102, vocabSize - 1), word = Math.Min(2023, vocabSize - 1);
        var ids = new long[length];
        Array.Fill(ids, word);
        ids[0] = cls;
        ids[^1] = sep;
        var mask = new long[length];
        Array.Fill(mask, 1L);
        return new TokenBatch(1, length, ids, mask, new long[length]);
    }
}
