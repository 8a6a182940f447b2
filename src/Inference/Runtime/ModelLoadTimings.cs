namespace EdgeSplit.Inference.Runtime;

/// <summary>What a model load cost, step by step (milliseconds); <see cref="CacheHit"/> tells a warm start from a cold one.</summary>
public sealed record ModelLoadTimings(bool CacheHit, double HashMs, double ParseMs, double PartitionMs, double CacheWriteMs, double SessionsMs, string? CacheDirectory)
{
    /// <summary>Sum of all steps.</summary>
    public double TotalMs => HashMs + ParseMs + PartitionMs + CacheWriteMs + SessionsMs;
}
