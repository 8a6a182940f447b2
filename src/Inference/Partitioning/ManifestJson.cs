using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>How the JSON files beside a partition or a model are written: indented, camelCase, enums as camelCase strings.</summary>
internal static class ManifestJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Reads a manifest; JSON <c>null</c> is refused like malformed JSON.</summary>
    public static T Read<T>(string json)
        where T : class =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("empty manifest");
}
