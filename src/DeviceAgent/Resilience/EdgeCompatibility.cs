using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>
/// Whether a node serves the device's model: the same model hash (any case) and stage count, so that the edge's
/// stages continue exactly where the device's stop; and whether an answer has the shape that model gives.
/// </summary>
internal sealed class EdgeCompatibility(string modelHash, int stageCount)
{
    /// <summary>Why the node's model is not the device's, or null when it is.</summary>
    public string? Mismatch(EdgeManifest manifest) =>
        string.Equals(manifest.ModelHash, modelHash, StringComparison.OrdinalIgnoreCase) && manifest.StageCount == stageCount
            ? null
            : $"edge model {manifest.ModelHash} with {manifest.StageCount} stages, device model {modelHash} with {stageCount}";

    /// <summary>
    /// One embedding per row of the request, each as wide as the node's hidden size (unchecked before the node's
    /// manifest is known).
    /// </summary>
    public static bool IsWellFormed(EdgeAnswer answer, EdgeRequest request, EdgeManifest? manifest) =>
        answer.Embeddings.Length == request.BatchRows()
        && (manifest is null || answer.Embeddings.All(e => e.Length == manifest.HiddenSize));
}
