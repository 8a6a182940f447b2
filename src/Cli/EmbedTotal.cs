using System.Text.Json.Serialization;

namespace EdgeSplit.Cli;

/// <summary>The last line <c>embed --json</c> writes to stderr for several texts: requests by route and the summed spend.</summary>
internal sealed record EmbedTotal(
    [property: JsonPropertyName("requests")] int Requests,
    [property: JsonPropertyName("routes")] IReadOnlyDictionary<string, int> Routes,
    [property: JsonPropertyName("spend")] EmbedSpend Spend);
