using System.Diagnostics.Metrics;

namespace EdgeSplit.Contracts.Telemetry;

/// <summary>
/// Bucket boundaries of the device's and the edge node's histograms, given to each instrument as its advice and
/// shared so that a dashboard can set the latency a phone saw beside the time the node spent on the same requests,
/// bucket for bucket.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>Durations in seconds: 0.5 ms to 10 s, finer where offloaded requests and decode steps fall.</summary>
    public static InstrumentAdvice<double> Seconds { get; } = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    /// <summary>Counts per batch (rows, sessions): powers of two from 1 to 128.</summary>
    public static InstrumentAdvice<int> Counts { get; } = new() { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] };
}
