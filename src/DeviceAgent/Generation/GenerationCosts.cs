namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>Measured costs the session planner works from.</summary>
/// <param name="DevicePrefillMsPerToken">Device milliseconds per prompt token, per stage.</param>
/// <param name="DeviceDecodeMs">Device milliseconds per decode step, per stage.</param>
/// <param name="EdgeTailPrefillMsPerToken">Edge milliseconds per prompt token for stages [1, N) (node time); null without an edge.</param>
/// <param name="EdgeTailDecodeMs">Edge milliseconds per decode step for stages [1, N); null without an edge.</param>
/// <param name="RoundTripMs">Link round trip of one decode step, node time excluded.</param>
/// <param name="BytesPerMs">Link throughput for the prefill rows.</param>
internal sealed record GenerationCosts(
    double[] DevicePrefillMsPerToken,
    double[] DeviceDecodeMs,
    double? EdgeTailPrefillMsPerToken,
    double? EdgeTailDecodeMs,
    double RoundTripMs,
    double BytesPerMs);
