using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeSplit.DeviceAgent.Cli;

/// <summary>One line of <c>embed --json</c>.</summary>
internal sealed record EmbedResult(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("embedding")] float[] Embedding,
    [property: JsonPropertyName("split")] int Split,
    [property: JsonPropertyName("route")] string Route,
    [property: JsonPropertyName("latencyMs")] double LatencyMs)
{
    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
}
