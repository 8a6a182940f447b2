namespace EdgeSplit.Inference.Partitioning;

/// <summary>One input or output of a segment: name, element type and shape (symbolic dims as names).</summary>
public sealed record SegmentTensor(string Name, string ElementType, IReadOnlyList<string> Shape);
