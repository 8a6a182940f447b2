using System.ComponentModel.DataAnnotations;

namespace EdgeSplit.Gateway.Generation;

/// <summary>
/// Split generation on the edge, bound from <c>EdgeSplit:Generation</c>. The decoder itself is the one
/// <c>EdgeSplit:Edge:ModelPath</c> names (a <c>model.onnx</c> with <c>past_key_values</c> inputs).
/// </summary>
public sealed class GenerationOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "EdgeSplit:Generation";

    /// <summary>
    /// KV-cache memory all sessions may reserve, in bytes (default 512 MiB). A session reserves its tail layers' KV for
    /// its <c>max_positions</c> at open; past the budget an open gets RESOURCE_EXHAUSTED with retry-after.
    /// </summary>
    [Range(1024L, 1L << 40, ErrorMessage = "EdgeSplit:Generation:KvBudgetBytes must be between 1024 and 2^40.")]
    public long KvBudgetBytes { get; set; } = 512L << 20;

    /// <summary>Positions a session may reach when its open names none, and the most any may ask for (default 1024).</summary>
    [Range(1, 131072, ErrorMessage = "EdgeSplit:Generation:MaxPositions must be between 1 and 131072.")]
    public int MaxPositions { get; set; } = 1024;

    /// <summary>A session with no message for this long is dropped and its KV freed (default 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00", ErrorMessage = "EdgeSplit:Generation:IdleTimeout must be between 50 ms and 1 day.")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most sessions whose decode steps share one ONNX Runtime run (default 64).</summary>
    [Range(1, 1024, ErrorMessage = "EdgeSplit:Generation:MaxBatchSessions must be between 1 and 1024.")]
    public int MaxBatchSessions { get; set; } = 64;

    /// <summary>Retry-after hint sent with RESOURCE_EXHAUSTED, in milliseconds (default 500).</summary>
    [Range(1, 600_000, ErrorMessage = "EdgeSplit:Generation:RetryAfterMs must be between 1 and 600000.")]
    public int RetryAfterMs { get; set; } = 500;
}
