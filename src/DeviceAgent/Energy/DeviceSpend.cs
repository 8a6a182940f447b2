namespace EdgeSplit.DeviceAgent.Energy;

/// <summary>
/// What one request cost the phone: device compute actually spent (the head, plus any local tail, including a
/// tail cancelled part-way because the edge answered first), bytes on the radio, and the modelled energy of both.
/// <see cref="LocalMs"/> and <see cref="LocalMillijoules"/> are the all-local counterfactual: what the same request
/// would have cost on the phone alone (the cost model's prediction of the full model on this phone).
/// </summary>
public sealed record DeviceSpend(
    double HeadMs,
    double TailMs,
    long BytesUp,
    long BytesDown,
    double ComputeMillijoules,
    double RadioMillijoules,
    double LocalMs,
    double LocalMillijoules)
{
    /// <summary>Nothing spent (a request that never ran).</summary>
    public static DeviceSpend None { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>
    /// Time the device waited for the edge with its cores idle and no bytes moving (round trip, edge queue and
    /// compute), in milliseconds; 0 for a request that never left the device.
    /// </summary>
    public double WaitMs { get; init; }

    /// <summary>Energy of the rest of the device (radio excluded) during <see cref="WaitMs"/>, in millijoules.</summary>
    public double WaitMillijoules { get; init; }

    /// <summary>Device compute in milliseconds: head plus tail.</summary>
    public double ComputeMs => HeadMs + TailMs;

    /// <summary>Modelled device energy of the request in millijoules: compute, radio and the idle wait for the edge.</summary>
    public double Millijoules => ComputeMillijoules + RadioMillijoules + WaitMillijoules;

    /// <summary>Energy saved against running the request all-local, in millijoules (negative: offloading cost more).</summary>
    public double SavedMillijoules => LocalMillijoules - Millijoules;
}
