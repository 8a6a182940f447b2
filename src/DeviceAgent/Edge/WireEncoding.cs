namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>
/// How the activation travels: float32, float16, int8 with one scale per token, or int4 (two per byte) with one
/// scale per token; both quantised encodings send outliers exactly.
/// </summary>
public enum WireEncoding
{
    F32,
    F16,
    I8,
    I4,
}
