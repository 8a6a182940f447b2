using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Planning;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>
/// Feeds what edge calls reveal into the link and edge estimators the planner reads: round trips and load from
/// manifest calls, transfer time and the node's queue and compute from answers (including answers that arrive after
/// the device already answered from the hedge), and back-off hints from busy nodes.
/// </summary>
internal sealed class EdgeObserver(LinkEstimator link, EdgeCostEstimator edge)
{
    /// <summary>The link's current round-trip estimate, for logs.</summary>
    public double RttMs => link.Snapshot().RttMs;

    /// <summary>A manifest exchange: the fastest of its timed calls is the RTT sample.</summary>
    public void Manifest(double fastestRoundTripMs, EdgeLoad load)
    {
        link.ObserveRoundTrip(fastestRoundTripMs);
        edge.ObserveLoad(load);
    }

    /// <summary>
    /// An answer after <paramref name="elapsedMs"/>: what the node did not spend queueing or computing was the network,
    /// carrying the request's bytes and the reply (<paramref name="hiddenSize"/> wide; the answer's own width before
    /// the manifest is known).
    /// </summary>
    public void Answer(EdgeRequest request, EdgeAnswer answer, double elapsedMs, int? hiddenSize, int tokens, IReadOnlyList<double> devicePrediction)
    {
        var network = elapsedMs - answer.QueueMs - answer.ComputeMs;
        link.ObserveTransfer(answer.BytesSent + WireSize.Reply(hiddenSize ?? answer.Embeddings[0].Length), network);
        edge.ObserveAnswer(answer, request.Cut, tokens, devicePrediction);
    }

    /// <summary>A failed call; only a busy node tells something (how long to leave it alone: its hint, else what the call took, at least 50 ms).</summary>
    public void Failure(Exception exception, EdgeFailureKind kind, double elapsedMs)
    {
        if (kind == EdgeFailureKind.Busy && exception is EdgeException { RetryAfter: var retryAfter })
        {
            edge.ObserveBusy(retryAfter ?? TimeSpan.FromMilliseconds(Math.Max(elapsedMs, 50)));
        }
    }
}
