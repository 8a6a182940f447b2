namespace EdgeSplit.Inference.Decoder;

/// <summary>How the next token is chosen from the logits.</summary>
public sealed record SamplingOptions
{
    /// <summary>0 (default) is greedy; above 0 samples from softmax(logits / temperature). Range [0, 10].</summary>
    public double Temperature { get; init; }

    /// <summary>Nucleus: sample only among the most likely tokens whose probabilities sum to this. Default 1; range (0, 1].</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Seed of the sampling draws; the draw for position p depends only on (seed, p), so any node reproduces it. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Greedy decoding.</summary>
    public static SamplingOptions Greedy { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> for values out of range.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0 && Temperature <= 10))
        {
            throw new ArgumentException($"temperature must be in [0, 10], got {Temperature}.");
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"top-p must be in (0, 1], got {TopP}.");
        }
    }
}
