namespace EdgeSplit.Inference.Tests.Decoder;

public sealed class TokenSamplerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(50257)]
    public void ArgMax_RandomLogitsWithTiesAndNaN_MatchesTheFirstStrictMaximum(int length)
    {
        var random = new Random(length);
        for (var trial = 0; trial < 50; trial++)
        {
            // Few distinct values, so the maximum is tied at several indices; some NaN.
            var logits = Enumerable.Range(0, length).Select(_ => random.Next(10) switch
            {
                0 => float.NaN,
                var v => (float)random.Next(-3, 4 + (v % 2)),
            }).ToArray();

            Assert.Equal(FirstStrictMaximum(logits), TokenSampler.ArgMax(logits));
        }
    }

    [Theory]
    [InlineData(new[] { float.NaN, 5f, 7f }, 0)]
    [InlineData(new[] { 1f, float.NaN, float.PositiveInfinity, float.PositiveInfinity }, 2)]
    [InlineData(new[] { -0f, 0f }, 0)]
    [InlineData(new[] { float.NegativeInfinity, float.NegativeInfinity }, 0)]
    public void ArgMax_EdgeValues_LowestIndexOfTheLargestNonNaN(float[] logits, int expected)
    {
        var padded = logits.Concat(Enumerable.Repeat(float.NegativeInfinity, 40)).ToArray();

        Assert.Equal(expected, TokenSampler.ArgMax(logits));
        Assert.Equal(expected, TokenSampler.ArgMax(padded));
    }

    private static int FirstStrictMaximum(float[] logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }
}
