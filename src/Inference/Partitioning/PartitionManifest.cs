namespace EdgeSplit.Inference.Partitioning;

/// <summary>What <c>manifest.json</c> holds: the model's identity, the partition scheme and every stage.</summary>
public sealed record PartitionManifest
{
    /// <summary>Version of the cutting rules; a device and an edge must agree on it and on the model hash.</summary>
    public const string CurrentScheme = "edgesplit-stages-v1";

    /// <summary>File name inside a partition directory (a decoder's partition uses the same name).</summary>
    public const string FileName = "manifest.json";

    /// <summary>Model name.</summary>
    public required string ModelId { get; init; }

    /// <summary>SHA-256 of the source ONNX file (lower-case hex).</summary>
    public required string ModelHash { get; init; }

    /// <summary>Partition scheme version.</summary>
    public required string Scheme { get; init; }

    /// <summary>Width of the hidden state.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Rows of the word-embedding table, when found.</summary>
    public int? VocabSize { get; init; }

    /// <summary>Pooling of the output stage.</summary>
    public required Models.PoolingMode Pooling { get; init; }

    /// <summary>Boundary tensors of the source model that end each non-pooling stage.</summary>
    public required IReadOnlyList<string> Boundaries { get; init; }

    /// <summary>The stages in execution order.</summary>
    public required IReadOnlyList<SegmentInfo> Stages { get; init; }

    /// <summary>Milliseconds the partitioning itself took (parse excluded).</summary>
    public double PartitionMs { get; init; }

    /// <summary>Serializes the manifest as indented JSON.</summary>
    public string ToJson() => ManifestJson.Write(this);

    /// <summary>Reads a manifest written by <see cref="ToJson"/>.</summary>
    public static PartitionManifest FromJson(string json) => ManifestJson.Read<PartitionManifest>(json);
}
