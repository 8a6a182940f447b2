namespace EdgeSplit.Inference.Runtime;

/// <summary>ONNX Runtime settings for the segment sessions.</summary>
public sealed record RuntimeOptions
{
    /// <summary>Intra-op threads per session; 0 (default) lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether idle ORT worker threads spin. Default true (lowest latency for one caller at a time);
    /// an edge serving many concurrent calls should turn it off.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>
    /// ONNX Runtime graph optimizers to skip. Default: SkipLayerNormFusion — on per-layer segments ORT fuses
    /// residual Add + LayerNorm into SkipLayerNormalization, which measured ~8% slower per layer on x64 CPU
    /// than the unfused pair it keeps in the whole model (see BENCHMARKS.md).
    /// </summary>
    public IReadOnlyList<string> DisabledOptimizers { get; init; } = ["SkipLayerNormFusion"];

    /// <summary>
    /// ONNX Runtime's CPU memory arena. Default true (fastest for a steady shape). The arena keeps the largest batch's
    /// buffers for the life of the session and never gives them back, so a server facing arbitrary batch shapes turns it
    /// off: each run then allocates and frees its own buffers, and memory follows the work actually in flight.
    /// </summary>
    public bool CpuMemoryArena { get; init; } = true;

    /// <summary>Maximum tokens per text before truncation. Default 256.</summary>
    public int MaxTokens { get; init; } = Text.WordPieceTokenizer.DefaultMaxTokens;
}
