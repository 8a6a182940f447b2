using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using EdgeSplit.DeviceAgent.Execution;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>Deadline, circuit breaker, probing and hedging of edge calls.</summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OptionsTrimming.ValidatedBySourceGenerator)]
public sealed class ResilienceOptions : IValidatableObject
{
    /// <summary>Latency budget of one request; the edge call's deadline is what is left of it after the device stages. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan LatencyBudget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Shortest deadline ever given to an edge call. Default 50 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan MinEdgeTimeout { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Deadline of the start-up manifest call (and of the warm-up call after it); an edge silent for this long
    /// starts out as down and is probed in the background. Default 3 s: the first gRPC call pays JIT and
    /// connection set-up.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Consecutive edge failures that open the circuit at once (all-local until a probe succeeds). Default 3.</summary>
    [Range(1, 1000)]
    public int ConsecutiveFailures { get; set; } = 3;

    /// <summary>Failure ratio over <see cref="SamplingDuration"/> that opens the circuit (Polly's rule, for intermittent failure). Default 0.5.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls in the sampling window before the ratio counts. Default 6.</summary>
    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 6;

    /// <summary>Window of the failure ratio. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long Polly keeps the circuit open before a trial call; probes usually close it sooner. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First probe delay after the circuit opens; later probes back off exponentially with jitter. Default 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ProbeInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between probes. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan ProbeMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline of one probe (GetManifest). Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How far the edge may overrun its promise before the device starts the remaining stages itself: until the
    /// node admits the request, the plan's predicted uplink and round trip; after, the node's own estimate of its
    /// queue and compute (its <c>x-edgesplit-eta-ms</c> header, never less than the plan's) plus the way back; each
    /// times this factor, plus <see cref="HedgeMarginMs"/>. Connection loss (including a silent host found by the
    /// channel's HTTP/2 keepalive) and error statuses start the local tail at once. Default 2.
    /// </summary>
    [Range(1.0, 100.0)]
    public double HedgeSlack { get; set; } = 2;

    /// <summary>
    /// Whether a broken promise starts the local tail (default true); the edge's answer still wins if it comes
    /// first, and the tail is then cancelled. Off, the device waits for the edge until the request's deadline and
    /// only then falls back: what a capacity test of the edges wants.
    /// </summary>
    public bool Hedge { get; set; } = true;

    /// <summary>
    /// Fixed allowance added to every promise, for scheduling and network noise: a healthy edge that merely
    /// jitters must not make the phone compute what it offloaded. Default 25 ms.
    /// </summary>
    [Range(0.0, 10_000.0)]
    public double HedgeMarginMs { get; set; } = 25;

    /// <summary>
    /// A promise timer that fires this much later than it was due means the phone itself stalled (garbage
    /// collection, a busy core); the first such firing per request re-arms the promise instead of starting the
    /// tail. Default 20 ms.
    /// </summary>
    [Range(1.0, 10_000.0)]
    public double StallToleranceMs { get; set; } = 20;

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (ProbeMaxDelay < ProbeInitialDelay)
        {
            yield return new ValidationResult($"must not be shorter than {nameof(ProbeInitialDelay)}.", [nameof(ProbeMaxDelay)]);
        }
    }
}
