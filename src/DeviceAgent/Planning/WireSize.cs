using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>Bytes a request and its reply put on the wire, from the protocol's tensor layout.</summary>
internal static class WireSize
{
    // Framing, ids, hashes and gRPC/HTTP2 headers: measured order of magnitude, small next to a tensor.
    private const int RequestOverhead = 160;
    private const int ReplyOverhead = 120;

    public static int BytesPerElement(WireEncoding encoding) => encoding switch
    {
        WireEncoding.F32 => 4,
        WireEncoding.F16 => 2,
        WireEncoding.I8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, null),
    };

    /// <summary>Request bytes: hidden state [tokens, hidden] (plus one f32 scale per token for int8) and the mask.</summary>
    public static long Activation(int tokens, int hidden, WireEncoding encoding) =>
        RequestOverhead + ((long)tokens * hidden * BytesPerElement(encoding)) + (encoding == WireEncoding.I8 ? tokens * 4L : 0) + tokens;

    /// <summary>Request bytes for cut 0: token ids (varints, ~3 bytes) and the mask.</summary>
    public static long TokenIds(int tokens) => RequestOverhead + (tokens * 4L);

    /// <summary>Reply bytes: one f32 embedding plus timings and load report.</summary>
    public static long Reply(int hidden) => ReplyOverhead + (hidden * 4L);
}
