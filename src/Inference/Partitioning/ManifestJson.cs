using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EdgeSplit.Inference.Decoder;
using EdgeSplit.Inference.Models;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>
/// How the JSON files beside a partition or a model are written: indented, camelCase, enums as camelCase strings.
/// The (de)serializers are generated at build time (<see cref="ManifestJsonContext"/>), so a trimmed or AOT-compiled
/// phone app reads its model's manifest without the reflection that trimming removes.
/// </summary>
internal static class ManifestJson
{
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    /// <summary>Reads a manifest; JSON <c>null</c> is refused like malformed JSON.</summary>
    public static T Read<T>(string json)
        where T : class =>
        JsonSerializer.Deserialize(json, TypeInfo<T>()) ?? throw new JsonException("empty manifest");

    private static JsonTypeInfo<T> TypeInfo<T>() =>
        ManifestJsonContext.Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
        ?? throw new NotSupportedException($"{typeof(T).Name} is not one of the manifest types in {nameof(ManifestJsonContext)}.");
}

/// <summary>The manifest files' types, serialized by generated code.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(CamelCaseEnumConverter<PoolingMode>), typeof(CamelCaseEnumConverter<StageKind>), typeof(CamelCaseEnumConverter<DecoderLayout>)])]
[JsonSerializable(typeof(PartitionManifest))]
[JsonSerializable(typeof(DecoderManifest))]
[JsonSerializable(typeof(DecoderModelInfo))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;

/// <summary>An enum as its camelCase name (<c>mean</c>, <c>gpt2</c>), without reflection over the enum type.</summary>
internal sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;
