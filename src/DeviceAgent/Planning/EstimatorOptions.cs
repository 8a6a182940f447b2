using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using EdgeSplit.DeviceAgent.Execution;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>
/// Smoothing and staleness of the measured costs. Every estimate is an EWMA of real observations; once
/// no observation has arrived for <see cref="StaleAfter"/> it decays toward its "unknown" prior with
/// half-life <see cref="StaleHalfLife"/>, so a link measured long ago is not trusted as if it were now.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OptionsTrimming.ValidatedBySourceGenerator)]
public sealed class EstimatorOptions
{
    /// <summary>Weight of a new observation. Default 0.3 (about the last 5 observations matter).</summary>
    [Range(0.01, 1.0)]
    public double Alpha { get; set; } = 0.3;

    /// <summary>Age after which an estimate starts decaying toward its prior. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Half-life of the decay toward the prior. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan StaleHalfLife { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>"Unknown" round-trip time: pessimistic so an unmeasured link is not preferred. Default 100 ms.</summary>
    [Range(0.0, 60_000.0)]
    public double RttPriorMs { get; set; } = 100;

    /// <summary>"Unknown" throughput in bytes per millisecond. Default 250 (2 Mbit/s, a poor cellular link).</summary>
    [Range(0.001, 1e9)]
    public double ThroughputPriorBytesPerMs { get; set; } = 250;

    /// <summary>"Unknown" edge queue time. Default 5 ms.</summary>
    [Range(0.0, 60_000.0)]
    public double EdgeQueuePriorMs { get; set; } = 5;

    /// <summary>
    /// Before any edge report: the edge is assumed this many times faster than the device per stage.
    /// Default 2. Replaced by the node's own per-stage figures as soon as a manifest or reply arrives.
    /// </summary>
    [Range(0.01, 1000.0)]
    public double EdgeSpeedupPrior { get; set; } = 2;
}
