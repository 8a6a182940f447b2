using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeSplit.Cli;

/// <summary>One line of <c>embed --json</c>; the planner's fields are present when the agent planned the request.</summary>
internal sealed record EmbedResult(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("embedding")] float[] Embedding,
    [property: JsonPropertyName("split")] int Split,
    [property: JsonPropertyName("route")] string Route,
    [property: JsonPropertyName("latencyMs")] double LatencyMs)
{
    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Wire encoding of the activation when the request went to the edge.</summary>
    [JsonPropertyName("encoding")]
    public string? Encoding { get; init; }

    /// <summary>The planner's predicted latency of the chosen cut.</summary>
    [JsonPropertyName("predictedMs")]
    public double? PredictedMs { get; init; }

    /// <summary>True when the local hedge was started because the edge was late.</summary>
    [JsonPropertyName("hedged")]
    public bool? Hedged { get; init; }

    /// <summary>Why the edge path failed, for route "fallback".</summary>
    [JsonPropertyName("failure")]
    public string? Failure { get; init; }

    /// <summary>Why this cut: the planner's reason.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>What the request cost the phone: compute, bytes, modelled energy, the all-local counterfactual and the saving.</summary>
    [JsonPropertyName("spend")]
    public EmbedSpend? Spend { get; init; }
}
