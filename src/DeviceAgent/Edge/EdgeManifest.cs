namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>The edge's <c>Manifest</c> (GetManifest): the model it serves, its stages, encodings and load.</summary>
public sealed record EdgeManifest(
    string ModelId,
    string ModelHash,
    string Scheme,
    int HiddenSize,
    int StageCount,
    bool AcceptsTokenIds,
    int MaxSequence,
    IReadOnlyList<WireEncoding> Encodings,
    EdgeLoad Load);
