using EdgeSplit.Gateway.Observability;
using Grpc.Core;

namespace EdgeSplit.Gateway.Edge.Reading;

/// <summary>
/// Where unreadable gRPC messages are accounted: every one is counted (<c>edgesplit_edge_malformed_total{kind}</c>),
/// but logged at most once per <see cref="LogInterval"/> with the number left out since the last line, and never with a
/// stack trace — a client that sends garbage must not be able to flood the node's logs.
/// </summary>
internal sealed class MalformedInput(EdgeMetrics metrics, TimeProvider time, ILogger<MalformedInput> logger)
{
    /// <summary>Shortest time between two log lines about malformed input.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly LogThrottle _throttle = new(time, LogInterval);

    public void Report(string kind, string detail)
    {
        metrics.Malformed(kind);
        if (_throttle.TryEnter(out var suppressed))
        {
            EdgeLog.MalformedMessage(logger, kind, EdgeError.Bound(detail, 200), suppressed);
        }
    }

    /// <summary>Reports an unreadable message and returns the exception that carries its status to the client.</summary>
    public UnreadableMessageException Refuse(string kind, StatusCode code, string detail)
    {
        Report(kind, detail);
        return new UnreadableMessageException(kind, new Status(code, detail));
    }
}
