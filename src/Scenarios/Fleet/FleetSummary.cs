using System.Text.Json.Serialization;

namespace EdgeSplit.Scenarios.Fleet;

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

    /// <summary>The all-local counterfactual of the requests in <see cref="OutageLatencyMs"/>: the same phones running them alone.</summary>
    [JsonPropertyName("outageLocalLatencyMs")]
    public LatencySummary? OutageLocalLatencyMs { get; init; }

    /// <summary>The all-local counterfactual of every succeeded request.</summary>
    [JsonPropertyName("localLatencyMs")]
    public required LatencySummary LocalLatencyMs { get; init; }

    /// <summary>Device energy per request against all-local; null when the agents accounted no energy.</summary>
    [JsonPropertyName("energy")]
    public EnergySummary? Energy { get; init; }

    /// <summary>Phones per device class, with the class's speed and power.</summary>
    [JsonPropertyName("deviceMix")]
    public required IReadOnlyList<DeviceMixEntry> DeviceMix { get; init; }

    /// <summary>Phones per link profile, with the profile's figures.</summary>
    [JsonPropertyName("linkMix")]
    public required IReadOnlyList<LinkMixEntry> LinkMix { get; init; }

    /// <summary>Latency, all-local counterfactual and energy of each route's requests.</summary>
    [JsonPropertyName("routes")]
    public required IReadOnlyList<FleetSlice> Routes { get; init; }

    /// <summary>Routes, latency and energy of each device class on each link (the cells that have phones).</summary>
    [JsonPropertyName("byClassAndLink")]
    public required IReadOnlyList<FleetSlice> ByClassAndLink { get; init; }

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

/// <summary>
/// Requests by route and latency within one period of the run, beside the all-local counterfactual latency of the
/// same requests and their device energy (null when the agents accounted none).
/// </summary>
internal sealed record FleetPhase(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("startSeconds")] double StartSeconds,
    [property: JsonPropertyName("endSeconds")] double EndSeconds,
    [property: JsonPropertyName("byRoute")] Dictionary<string, long> ByRoute,
    [property: JsonPropertyName("failed")] long Failed,
    [property: JsonPropertyName("latencyMs")] LatencySummary LatencyMs,
    [property: JsonPropertyName("localLatencyMs")] LatencySummary LocalLatencyMs,
    [property: JsonPropertyName("energy")] EnergySummary? Energy)
{
    /// <summary>Requests by the planner's reason for where they ran (<see cref="FleetSample.Why"/>), most frequent first.</summary>
    [JsonPropertyName("byReason")]
    public IReadOnlyDictionary<string, long> ByReason { get; init; } = new Dictionary<string, long>();
}

/// <summary>
/// One slice of the requests — a route, or a device class on a link: where they ran, the most chosen cut, latency,
/// the all-local counterfactual latency of the same requests, and device energy.
/// </summary>
internal sealed record FleetSlice
{
    [JsonPropertyName("route")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Route { get; init; }

    [JsonPropertyName("deviceClass")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeviceClass { get; init; }

    [JsonPropertyName("link")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Link { get; init; }

    /// <summary>Phones in this slice (device class x link slices only).</summary>
    [JsonPropertyName("devices")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Devices { get; init; }

    [JsonPropertyName("requests")]
    public required long Requests { get; init; }

    [JsonPropertyName("failed")]
    public required long Failed { get; init; }

    [JsonPropertyName("byRoute")]
    public required Dictionary<string, long> ByRoute { get; init; }

    /// <summary>The cut chosen most often (8 = all local); null when nothing succeeded.</summary>
    [JsonPropertyName("commonCut")]
    public int? CommonCut { get; init; }

    [JsonPropertyName("latencyMs")]
    public required LatencySummary LatencyMs { get; init; }

    [JsonPropertyName("localLatencyMs")]
    public required LatencySummary LocalLatencyMs { get; init; }

    [JsonPropertyName("energy")]
    public EnergySummary? Energy { get; init; }
}

/// <summary>
/// Device energy per request (means over the succeeded requests): what the phones spent, what the same requests
/// would have cost all-local, and the saving in percent of the all-local energy.
/// </summary>
internal sealed record EnergySummary(
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("meanMillijoules")] double MeanMillijoules,
    [property: JsonPropertyName("meanLocalMillijoules")] double MeanLocalMillijoules,
    [property: JsonPropertyName("savedPercent")] double SavedPercent,
    [property: JsonPropertyName("meanComputeMs")] double MeanComputeMs,
    [property: JsonPropertyName("meanBytesUp")] double MeanBytesUp,
    [property: JsonPropertyName("meanBytesDown")] double MeanBytesDown);

/// <summary>A device class and how many phones of the fleet are of it.</summary>
internal sealed record DeviceMixEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("speedFactor")] double SpeedFactor,
    [property: JsonPropertyName("computeWatts")] double ComputeWatts,
    [property: JsonPropertyName("devices")] int Devices);

/// <summary>A link profile and how many phones of the fleet are on it.</summary>
internal sealed record LinkMixEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("rttMs")] double RttMs,
    [property: JsonPropertyName("uplinkMbps")] double UplinkMbps,
    [property: JsonPropertyName("downlinkMbps")] double DownlinkMbps,
    [property: JsonPropertyName("jitterMs")] double JitterMs,
    [property: JsonPropertyName("lossPercent")] double LossPercent,
    [property: JsonPropertyName("radio")] string Radio,
    [property: JsonPropertyName("devices")] int Devices);

/// <summary>Latency percentiles in milliseconds (from an HdrHistogram at microsecond resolution).</summary>
internal sealed record LatencySummary(
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p95")] double P95,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("mean")] double Mean);
