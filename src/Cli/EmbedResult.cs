using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeSplit.Cli;

/// <summary>One line of <c>embed --json</c>; the planner's fields are present when the agent planned the request.</summary>
internal sealed record EmbedResult(string Text, float[] Embedding, int Split, string Route, double LatencyMs)
{
    public static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Wire encoding of the activation when the request went to the edge.</summary>
    public string? Encoding { get; init; }

    /// <summary>The planner's predicted latency of the chosen cut.</summary>
    public double? PredictedMs { get; init; }

    /// <summary>True when the local hedge was started because the edge was late.</summary>
    public bool? Hedged { get; init; }

    /// <summary>Why the edge path failed, for route "fallback".</summary>
    public string? Failure { get; init; }

    /// <summary>Why this cut: the planner's reason.</summary>
    public string? Reason { get; init; }

    /// <summary>What the request cost the phone: compute, bytes, modelled energy, the all-local counterfactual and the saving.</summary>
    public EmbedSpend? Spend { get; init; }
}
