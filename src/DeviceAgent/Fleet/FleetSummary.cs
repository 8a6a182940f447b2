using System.Text.Json.Serialization;

namespace EdgeSplit.DeviceAgent.Fleet;

/// <summary>What <c>summary.json</c> holds.</summary>
internal sealed record FleetSummary
{
    [JsonPropertyName("requests")]
    public required long Requests { get; init; }

    [JsonPropertyName("succeeded")]
    public required long Succeeded { get; init; }

    [JsonPropertyName("failed")]
    public required long Failed { get; init; }

    [JsonPropertyName("byRoute")]
    public required Dictionary<string, long> ByRoute { get; init; }

    [JsonPropertyName("byCut")]
    public required Dictionary<string, long> ByCut { get; init; }

    [JsonPropertyName("latencyMs")]
    public required LatencySummary LatencyMs { get; init; }

    [JsonPropertyName("latencyMsByRoute")]
    public required Dictionary<string, LatencySummary> LatencyMsByRoute { get; init; }

    [JsonPropertyName("outageLatencyMs")]
    public LatencySummary? OutageLatencyMs { get; init; }

    [JsonPropertyName("devices")]
    public required int Devices { get; init; }

    [JsonPropertyName("durationSeconds")]
    public required double DurationSeconds { get; init; }

    [JsonPropertyName("throughputRps")]
    public required double ThroughputRps { get; init; }

    [JsonPropertyName("outages")]
    public required IReadOnlyList<OutageSpan> Outages { get; init; }

    /// <summary>The run cut at outage boundaries: before, each outage, after — where traffic went in each.</summary>
    [JsonPropertyName("phases")]
    public required IReadOnlyList<FleetPhase> Phases { get; init; }
}

/// <summary>Requests by route and latency within one period of the run.</summary>
internal sealed record FleetPhase(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("startSeconds")] double StartSeconds,
    [property: JsonPropertyName("endSeconds")] double EndSeconds,
    [property: JsonPropertyName("byRoute")] Dictionary<string, long> ByRoute,
    [property: JsonPropertyName("failed")] long Failed,
    [property: JsonPropertyName("latencyMs")] LatencySummary LatencyMs);

/// <summary>Latency percentiles in milliseconds (from an HdrHistogram at microsecond resolution).</summary>
internal sealed record LatencySummary(
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p95")] double P95,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("mean")] double Mean);
