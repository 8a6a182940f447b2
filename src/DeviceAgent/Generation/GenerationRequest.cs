using EdgeSplit.Inference.Decoder;

namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>What to generate and where to cut.</summary>
public sealed record GenerationRequest
{
    /// <summary>Prompt token ids.</summary>
    public required IReadOnlyList<int> Prompt { get; init; }

    /// <summary>Tokens to generate (1..4096). Default 32.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Cut k: stages [0,k) on the device, [k,N) on the edge; null runs everything on the device.</summary>
    public int? Cut { get; init; }

    /// <summary>Sampling; greedy by default.</summary>
    public SamplingOptions Sampling { get; init; } = SamplingOptions.Greedy;
}
