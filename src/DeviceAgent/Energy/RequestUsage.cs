namespace EdgeSplit.DeviceAgent.Energy;

/// <summary>
/// What one request used, as the agent measured it, for the <see cref="EnergyMeter"/> to charge: device compute
/// (<see cref="HeadMs"/>, <see cref="TailMs"/>), bytes on the radio, the link's measured throughput, the span from the
/// first byte sent to the reply (or to giving up on the edge) as timestamps of the meter's <see cref="TimeProvider"/>,
/// how much of that span the device spent computing anyway (a hedged tail), and the all-local counterfactual.
/// </summary>
public readonly record struct RequestUsage(
    double HeadMs,
    double TailMs,
    long BytesUp,
    long BytesDown,
    double BytesPerMs,
    long RadioFrom,
    long RadioUntil,
    double ComputeWhileWaitingMs,
    double LocalMs)
{
    /// <summary>A request that never left the device and ran <paramref name="computeMs"/> of stages.</summary>
    public static RequestUsage Local(double computeMs, double localMs) => new(computeMs, 0, 0, 0, 1, 0, 0, 0, localMs);
}
