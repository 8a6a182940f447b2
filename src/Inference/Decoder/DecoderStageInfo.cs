using EdgeSplit.Inference.Partitioning;

namespace EdgeSplit.Inference.Decoder;

/// <summary>One stage of a partitioned decoder: embeddings (0), layer i (i + 1), or head (layers + 1).</summary>
/// <param name="Index">Position in the chain.</param>
/// <param name="Name"><c>embeddings</c>, <c>layer.i</c> or <c>head</c>.</param>
/// <param name="Layer">Transformer layer whose KV the stage owns; null for embeddings and head.</param>
/// <param name="File">Segment file name inside a partition directory.</param>
/// <param name="Inputs">Segment inputs.</param>
/// <param name="Outputs">Segment outputs.</param>
/// <param name="NodeCount">Nodes in the segment.</param>
/// <param name="Bytes">Serialized size.</param>
public sealed record DecoderStageInfo(
    int Index,
    string Name,
    int? Layer,
    string File,
    IReadOnlyList<SegmentTensor> Inputs,
    IReadOnlyList<SegmentTensor> Outputs,
    int NodeCount,
    long Bytes);
