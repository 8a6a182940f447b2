namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>What GetManifest told the device.</summary>
public sealed record EdgeInfo(
    string ModelId,
    string ModelHash,
    string Scheme,
    int HiddenSize,
    int StageCount,
    bool AcceptsTokenIds,
    int MaxSequence,
    IReadOnlyList<WireEncoding> Encodings,
    EdgeLoad Load);
