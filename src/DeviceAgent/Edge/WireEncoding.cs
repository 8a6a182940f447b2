using EdgeSplit.Contracts.V1;

namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>
/// How the activation travels: float32, float16, int8 with one scale per token, or int4 (two per byte) with one
/// scale per token; both quantised encodings send outliers exactly. The values are the protocol's own
/// (<see cref="Encoding"/>, owned by Contracts): a cast converts, and the wire sizes come from <c>ActivationCodec</c>.
/// </summary>
public enum WireEncoding
{
    /// <summary>Little-endian float32.</summary>
    F32 = Encoding.F32,

    /// <summary>Little-endian float16.</summary>
    F16 = Encoding.F16,

    /// <summary>Int8 with one float32 scale per token.</summary>
    I8 = Encoding.I8,

    /// <summary>Int4, two per byte, with one float32 scale per token.</summary>
    I4 = Encoding.I4,
}
