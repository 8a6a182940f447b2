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

    /// <summary>
    /// Emulated device slowness: every local stage takes this many times its real time (the extra is
    /// slept). Default 1 (off). For benchmarks and tests that need a phone slower than this machine.
    /// </summary>
    [Range(1.0, 1000.0)]
    public double DeviceSlowdown { get; set; } = 1;
}
