namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>How the activation travels: float32, float16, or int8 with one scale per token.</summary>
public enum WireEncoding
{
    F32,
    F16,
    I8,
}
