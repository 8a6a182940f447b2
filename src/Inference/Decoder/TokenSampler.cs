using System.Numerics;

namespace EdgeSplit.Inference.Decoder;

/// <summary>
/// Picks tokens from logits: greedy (ties to the lowest id) or temperature + top-p with a counter-based draw
/// (SplitMix64 of seed and position), so device and edge pick the same token for the same logits.
/// </summary>
public static class TokenSampler
{
    /// <summary>The token at <paramref name="position"/> (its index in the whole sequence).</summary>
    public static int Sample(ReadOnlySpan<float> logits, SamplingOptions options, int position)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Temperature <= 0)
        {
            return ArgMax(logits);
        }

        var max = logits[ArgMax(logits)];
        var order = new int[logits.Length];
        var weights = new double[logits.Length];
        var total = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            order[i] = i;
            weights[i] = Math.Exp((logits[i] - max) / options.Temperature);
            total += weights[i];
        }

        Array.Sort(order, (a, b) => weights[b].CompareTo(weights[a]) is var c && c != 0 ? c : a.CompareTo(b));
        var kept = 0;
        var mass = 0.0;
        while (kept < order.Length && (kept == 0 || mass < options.TopP * total))
        {
            mass += weights[order[kept++]];
        }

        var target = Uniform(options.Seed, position) * mass;
        var sum = 0.0;
        for (var i = 0; i < kept; i++)
        {
            sum += weights[order[i]];
            if (target < sum)
            {
                return order[i];
            }
        }

        return order[kept - 1];
    }

    /// <summary>
    /// Index of the largest logit, the lowest one on ties; NaN logits are never picked (unless the first is NaN: then 0).
    /// Two vectorised passes — the maximum, then its first index — with no allocation: this runs once per token and
    /// session over the whole vocabulary on the edge's decode loop.
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty || float.IsNaN(logits[0]))
        {
            return 0;
        }

        var width = Vector<float>.Count;
        var i = 0;
        var largest = logits[0];
        if (Vector.IsHardwareAccelerated && logits.Length >= width)
        {
            var lanes = new Vector<float>(largest);
            for (; i <= logits.Length - width; i += width)
            {
                var values = new Vector<float>(logits[i..]);
                // NaN lanes keep the running maximum (x == x is false only for NaN).
                lanes = Vector.Max(lanes, Vector.ConditionalSelect(Vector.Equals(values, values), values, lanes));
            }

            for (var lane = 0; lane < width; lane++)
            {
                largest = lanes[lane] > largest ? lanes[lane] : largest;
            }
        }

        for (; i < logits.Length; i++)
        {
            largest = logits[i] > largest ? logits[i] : largest;
        }

        i = 0;
        if (Vector.IsHardwareAccelerated && logits.Length >= width)
        {
            var target = new Vector<float>(largest);
            while (i <= logits.Length - width && !Vector.EqualsAny(new Vector<float>(logits[i..]), target))
            {
                i += width;
            }
        }

        while (logits[i] != largest)
        {
            i++;
        }

        return i;
    }

    private static double Uniform(ulong seed, int position)
    {
        var z = seed + (0x9E3779B97F4A7C15UL * (ulong)(position + 1));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
