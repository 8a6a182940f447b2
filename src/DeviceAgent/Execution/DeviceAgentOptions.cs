using System.ComponentModel.DataAnnotations;
using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.DeviceAgent.Resilience;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>Everything the device agent can be tuned with; every default is documented on its property.</summary>
public sealed class DeviceAgentOptions
{
    /// <summary>Cut and encoding choice.</summary>
    [Required]
    public PlannerOptions Planner { get; set; } = new();

    /// <summary>Smoothing and staleness of measured costs.</summary>
    [Required]
    public EstimatorOptions Estimators { get; set; } = new();

    /// <summary>Deadlines, breaker, probes, hedging.</summary>
    [Required]
    public ResilienceOptions Resilience { get; set; } = new();

    /// <summary>Sequence lengths (tokens) profiled at start to fit each stage's fixed + per-token cost. Default 8, 32, 96.</summary>
    [Required]
    [MinLength(1)]
    public int[] ProfileLengths { get; set; } = [8, 32, 96];

    /// <summary>Timed runs per profiled length, after one warm-up run; the median is fitted. Default 3.</summary>
    [Range(1, 100)]
    public int ProfileRepeats { get; set; } = 3;

}
