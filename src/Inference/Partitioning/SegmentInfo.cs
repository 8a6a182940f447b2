namespace EdgeSplit.Inference.Partitioning;

/// <summary>Description of one stage's segment, as written to manifest.json.</summary>
public sealed record SegmentInfo(
    int Index,
    string Name,
    StageKind Kind,
    string File,
    IReadOnlyList<SegmentTensor> Inputs,
    IReadOnlyList<SegmentTensor> Outputs,
    int NodeCount,
    long Bytes);
