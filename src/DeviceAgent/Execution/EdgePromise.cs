using EdgeSplit.DeviceAgent.Planning;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>
/// How long the device waits for the edge before it starts the local tail: until the node has the request, the
/// plan's own prediction of the uplink and round trip; once the node has admitted it, the node's estimate of its
/// queue and compute (never less than the plan's) plus the way back. Each is stretched by
/// <see cref="Resilience.ResilienceOptions.HedgeSlack"/> and given <see cref="Resilience.ResilienceOptions.HedgeMarginMs"/>
/// of allowance. Connection loss and error statuses need no promise: they end the wait at once.
/// </summary>
internal readonly record struct EdgePromise(PlanCandidate Plan, long ReplyBytes, double Slack, double MarginMs)
{
    private double Share(long bytes) => Plan.Bytes + ReplyBytes <= 0 ? 0 : Plan.TransferMs * bytes / (Plan.Bytes + ReplyBytes);

    /// <summary>
    /// Milliseconds from sending until the node's admission is due; when the transport cannot report admission,
    /// until the answer is due (the plan's whole edge path).
    /// </summary>
    public double UntilAcceptedMs(bool reportsAcceptance) => reportsAcceptance
        ? ((Plan.EncodeMs + Share(Plan.Bytes) + Plan.RttMs) * Slack) + MarginMs
        : (Plan.RemoteMs * Slack) + MarginMs;

    /// <summary>Milliseconds from the node's admission until its answer is due, given the node's estimate (if any).</summary>
    public double AfterAcceptedMs(double? etaMs) =>
        ((Math.Max(etaMs ?? 0, Plan.QueueMs + Plan.EdgeMs) + Share(ReplyBytes) + (Plan.RttMs / 2)) * Slack) + MarginMs;
}
