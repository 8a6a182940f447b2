using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.DeviceAgent.Edge;

namespace EdgeSplit.DeviceAgent.Planning;

/// <summary>Bytes a request and its reply put on the wire, from the protocol's tensor layout.</summary>
internal static class WireSize
{
    // Framing, ids, hashes and gRPC/HTTP2 headers: measured order of magnitude, small next to a tensor.
    private const int RequestOverhead = 160;
    private const int ReplyOverhead = 120;

    // Int4 escapes about 2.4 outliers per token of the bundled model (EncodingAccuracyTests), each a varint index
    // and a float32: about 17 bytes a token. Int8's 1.4 are left out, as before: small next to its 384 bytes.
    private const int I4OutlierBytesPerToken = 17;

    /// <summary>Bytes of the hidden state's data field for [tokens, hidden] (int4: two elements a byte).</summary>
    public static long Data(int tokens, int hidden, WireEncoding encoding) =>
        ActivationCodec.DataBytes((Encoding)encoding, (long)tokens * hidden);

    /// <summary>
    /// Request bytes: hidden state [tokens, hidden] (plus one f32 scale per token for int8 and int4, and int4's
    /// outliers) and the mask.
    /// </summary>
    public static long Activation(int tokens, int hidden, WireEncoding encoding) =>
        RequestOverhead + Data(tokens, hidden, encoding) + tokens + encoding switch
        {
            WireEncoding.I8 => tokens * 4L,
            WireEncoding.I4 => tokens * (4L + I4OutlierBytesPerToken),
            _ => 0,
        };

    /// <summary>Request bytes for cut 0: token ids (varints, ~3 bytes) and the mask.</summary>
    public static long TokenIds(int tokens) => RequestOverhead + (tokens * 4L);

    /// <summary>Reply bytes: one f32 embedding plus timings and load report.</summary>
    public static long Reply(int hidden) => ReplyOverhead + (hidden * 4L);
}
