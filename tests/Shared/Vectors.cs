namespace EdgeSplit.Tests.Shared;

/// <summary>Vector checks shared by the test projects (linked into each, see tests/Shared).</summary>
internal static class Vectors
{
    /// <summary>Cosine similarity, accumulated in double.</summary>
    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b) =>
        Cosine(a as float[] ?? [.. a], b as float[] ?? [.. b]);

    /// <summary>Cosine similarity, accumulated in double.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    /// <summary>sentence-transformers' mean pooling + L2 normalisation, written independently of the ONNX pooling stage.</summary>
    public static float[][] MeanPoolNormalize(float[] hidden, long[] mask, int batch, int sequence, int width)
    {
        var result = new float[batch][];
        for (var row = 0; row < batch; row++)
        {
            var sum = new double[width];
            double count = 0;
            for (var t = 0; t < sequence; t++)
            {
                if (mask[(row * sequence) + t] == 0)
                {
                    continue;
                }

                count++;
                for (var h = 0; h < width; h++)
                {
                    sum[h] += hidden[(((row * sequence) + t) * width) + h];
                }
            }

            var mean = sum.Select(s => s / Math.Max(count, 1e-9)).ToArray();
            var norm = Math.Max(Math.Sqrt(mean.Sum(v => v * v)), 1e-12);
            result[row] = mean.Select(v => (float)(v / norm)).ToArray();
        }

        return result;
    }
}
