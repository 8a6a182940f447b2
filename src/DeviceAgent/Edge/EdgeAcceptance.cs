namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>
/// The node's word that it has a request: sent the moment the request enters its queue, with its estimate of
/// the milliseconds until the reply is ready (<c>x-edgesplit-eta-ms</c>); null when the node gave none.
/// </summary>
public sealed record EdgeAcceptance(double? EtaMs);
