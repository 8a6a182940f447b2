using System.Threading.Channels;
using EdgeSplit.Gateway.Observability;
using Grpc.Core;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Admission control: a bounded number of requests may wait for a batch; the rest are refused at once with
/// RESOURCE_EXHAUSTED and a retry-after hint (the queue's expected drain time), and nothing is taken once the node stops.
/// </summary>
internal sealed class Admission(EdgeNodeOptions options, LoadTracker load, EdgeMetrics metrics, ILogger logger)
{
    private int _queued;
    private volatile bool _accepting = true;

    /// <summary>Requests admitted and not yet taken into a batch (or dropped).</summary>
    public int QueueDepth => Volatile.Read(ref _queued);

    /// <summary>Whether new work is taken (false once the node is stopping).</summary>
    public bool Accepting => _accepting;

    /// <summary>Queues a request, or returns the error to answer with at once (queue full, stopping).</summary>
    public EdgeError? TryAdmit(ChannelWriter<WorkItem> queue, WorkItem item)
    {
        if (!_accepting)
        {
            return Stopping();
        }

        var depth = Interlocked.Increment(ref _queued);
        if (depth > options.MaxQueue)
        {
            Interlocked.Decrement(ref _queued);
            load.RecordRejected();
            metrics.Rejected();
            var retry = RetryAfterMs(depth - 1);
            EdgeLog.QueueFull(logger, depth - 1, retry);
            return new EdgeError(StatusCode.ResourceExhausted, $"the node's queue is full ({options.MaxQueue} requests waiting); retry after {retry} ms.", retry);
        }

        if (!queue.TryWrite(item))
        {
            Interlocked.Decrement(ref _queued);
            return Stopping();
        }

        return null;
    }

    /// <summary>Requests that left the queue: taken into a batch, or dropped before compute.</summary>
    public void Left(int count) => Interlocked.Add(ref _queued, -count);

    /// <summary>How long a refused client should wait: the queue's expected drain time, at least RetryAfterMinMs.</summary>
    public int RetryAfterMs(int queueDepth)
    {
        var drain = queueDepth * load.RowMs / options.MaxConcurrentBatches;
        return (int)Math.Clamp(Math.Ceiling(drain), options.RetryAfterMinMs, 60_000);
    }

    /// <summary>Refuses new work from now on; true the first time (the caller logs the drain once).</summary>
    public bool StopAccepting()
    {
        if (!_accepting)
        {
            return false;
        }

        _accepting = false;
        return true;
    }

    private static EdgeError Stopping() => new(StatusCode.Unavailable, "the node is shutting down; send new requests elsewhere.");
}
