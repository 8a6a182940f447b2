using System.Text.Json.Serialization;

namespace EdgeSplit.Scenarios.Fleet;

/// <summary>What <c>summary.json</c> holds.</summary>
internal sealed record FleetSummary
{
    public required long Requests { get; init; }

    public required long Succeeded { get; init; }

    public required long Failed { get; init; }

    public required Dictionary<string, long> ByRoute { get; init; }

    public required Dictionary<string, long> ByCut { get; init; }

    public required LatencySummary LatencyMs { get; init; }

    public required Dictionary<string, LatencySummary> LatencyMsByRoute { get; init; }

    public LatencySummary? OutageLatencyMs { get; init; }

    /// <summary>The all-local counterfactual of the requests in <see cref="OutageLatencyMs"/>: the same phones running them alone.</summary>
    public LatencySummary? OutageLocalLatencyMs { get; init; }

    /// <summary>The all-local counterfactual of every succeeded request.</summary>
    public required LatencySummary LocalLatencyMs { get; init; }

    /// <summary>Device energy per request against all-local; null when the agents accounted no energy.</summary>
    public EnergySummary? Energy { get; init; }

    /// <summary>Phones per device class, with the class's speed and power.</summary>
    public required IReadOnlyList<DeviceMixEntry> DeviceMix { get; init; }

    /// <summary>Phones per link profile, with the profile's figures.</summary>
    public required IReadOnlyList<LinkMixEntry> LinkMix { get; init; }

    /// <summary>Latency, all-local counterfactual and energy of each route's requests.</summary>
    public required IReadOnlyList<FleetSlice> Routes { get; init; }

    /// <summary>Routes, latency and energy of each device class on each link (the cells that have phones).</summary>
    public required IReadOnlyList<FleetSlice> ByClassAndLink { get; init; }

    public required int Devices { get; init; }

    public required double DurationSeconds { get; init; }

    public required double ThroughputRps { get; init; }

    public required IReadOnlyList<OutageSpan> Outages { get; init; }

    /// <summary>The run cut at outage boundaries: before, each outage, after — where traffic went in each.</summary>
    public required IReadOnlyList<FleetPhase> Phases { get; init; }
}

/// <summary>
/// Requests by route and latency within one period of the run, beside the all-local counterfactual latency of the
/// same requests and their device energy (null when the agents accounted none).
/// </summary>
internal sealed record FleetPhase(
    string Label,
    double StartSeconds,
    double EndSeconds,
    Dictionary<string, long> ByRoute,
    long Failed,
    LatencySummary LatencyMs,
    LatencySummary LocalLatencyMs,
    EnergySummary? Energy)
{
    /// <summary>Requests by the planner's reason for where they ran (<see cref="FleetSample.Why"/>), most frequent first.</summary>
    public IReadOnlyDictionary<string, long> ByReason { get; init; } = new Dictionary<string, long>();
}

/// <summary>
/// One slice of the requests — a route, or a device class on a link: where they ran, the most chosen cut, latency,
/// the all-local counterfactual latency of the same requests, and device energy.
/// </summary>
internal sealed record FleetSlice
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Route { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeviceClass { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Link { get; init; }

    /// <summary>Phones in this slice (device class x link slices only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Devices { get; init; }

    public required long Requests { get; init; }

    public required long Failed { get; init; }

    public required Dictionary<string, long> ByRoute { get; init; }

    /// <summary>The cut chosen most often (8 = all local); null when nothing succeeded.</summary>
    public int? CommonCut { get; init; }

    public required LatencySummary LatencyMs { get; init; }

    public required LatencySummary LocalLatencyMs { get; init; }

    public EnergySummary? Energy { get; init; }
}

/// <summary>
/// Device energy per request (means over the succeeded requests): what the phones spent, what the same requests
/// would have cost all-local, and the saving in percent of the all-local energy.
/// </summary>
internal sealed record EnergySummary(
    long Count,
    double MeanMillijoules,
    double MeanLocalMillijoules,
    double SavedPercent,
    double MeanComputeMs,
    double MeanBytesUp,
    double MeanBytesDown)
{
    /// <summary>The saving in whole percent, as people read it ("12%"); one that rounds to zero reads "0%", not "-0%".</summary>
    public string FormatSaved() => string.Create(CultureInfo.InvariantCulture, $"{Math.Round(SavedPercent) + 0.0:F0}%");
}

/// <summary>A device class and how many phones of the fleet are of it.</summary>
internal sealed record DeviceMixEntry(string Name, double SpeedFactor, double ComputeWatts, int Devices);

/// <summary>A link profile and how many phones of the fleet are on it.</summary>
internal sealed record LinkMixEntry(string Name, double RttMs, double UplinkMbps, double DownlinkMbps, double JitterMs, double LossPercent, string Radio, int Devices);

/// <summary>Latency percentiles in milliseconds (from an HdrHistogram at microsecond resolution).</summary>
internal sealed record LatencySummary(long Count, double P50, double P95, double P99, double Max, double Mean);
