using System.ComponentModel.DataAnnotations;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>Deadline, circuit breaker, probing and hedging of edge calls.</summary>
public sealed class ResilienceOptions
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
    /// Hedge: start the remaining stages locally once the edge is this many times later than predicted
    /// (plus <see cref="HedgeMarginMs"/>), and never later than the time the device needs for them. Default 1.5.
    /// </summary>
    [Range(1.0, 100.0)]
    public double HedgeSlack { get; set; } = 1.5;

    /// <summary>
    /// Whether a late edge is hedged with the local tail (default true). Off, the device waits for the edge
    /// until the request's deadline and only then falls back: what a capacity test of the edges wants, and
    /// what a device saving energy may prefer.
    /// </summary>
    public bool Hedge { get; set; } = true;

    /// <summary>
    /// Latency objective only: the hedge starts no later than this fraction of the fully-local time after the
    /// request leaves, so an edge that dies mid-request (or goes silent: a dead host sends no reset) costs at most
    /// about (1 + this) x the fully-local latency. Default 0.05; 0 turns the cap off (the hedge then waits for the
    /// edge's predicted time x <see cref="HedgeSlack"/>, at most the local tail time). The price: on offloads the
    /// edge answers later than that, the device also runs the tail until the edge's answer arrives, then cancels
    /// it (the edge's answer still wins when it comes first) — device compute spent for a tail-latency guarantee.
    /// The energy objective never pays it.
    /// </summary>
    [Range(0.0, 10.0)]
    public double MaxFallbackOverhead { get; set; } = 0.05;

    /// <summary>Fixed allowance added to the hedge delay, for scheduling noise. Default 3 ms.</summary>
    [Range(0.0, 10_000.0)]
    public double HedgeMarginMs { get; set; } = 3;
}
