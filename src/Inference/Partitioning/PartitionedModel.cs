namespace EdgeSplit.Inference.Partitioning;

/// <summary>A model cut into stages: each segment's ONNX bytes plus what a device or edge needs to plan.</summary>
public sealed class PartitionedModel
{
    internal PartitionedModel(PartitionManifest manifest, IReadOnlyList<byte[]> segments)
    {
        Manifest = manifest;
        Segments = segments;
    }

    /// <summary>Stage list, shapes and hashes.</summary>
    public PartitionManifest Manifest { get; }

    /// <summary>Serialized ONNX model of each stage, in stage order.</summary>
    public IReadOnlyList<byte[]> Segments { get; }
}
