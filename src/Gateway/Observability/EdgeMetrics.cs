using System.Diagnostics;
using System.Diagnostics.Metrics;
using EdgeSplit.Contracts.Telemetry;

namespace EdgeSplit.Gateway.Observability;

/// <summary>
/// The edge node's instruments (meter <c>EdgeSplit.Edge</c>): durations as histograms in seconds by
/// cut and encoding, as Triton's users ask for, plus batch size, rejections, expiries and queue depth.
/// </summary>
public sealed class EdgeMetrics : IDisposable
{
    /// <summary>Meter name to subscribe to.</summary>
    public const string MeterName = "EdgeSplit.Edge";

    private readonly Meter _meter;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _queue;
    private readonly Histogram<double> _compute;
    private readonly Histogram<int> _batchRows;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _expired;
    private readonly Counter<long> _invalid;
    private readonly Counter<long> _limited;
    private readonly Counter<long> _malformed;
    private readonly Counter<long> _nonFinite;
    private long _streamBytes;
    private Func<int> _queueDepth = () => 0;
    private Func<int> _inFlight = () => 0;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public EdgeMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _duration = _meter.CreateHistogram("edgesplit.edge.request.duration", "s", "Time from arrival to reply, per request", advice: HistogramBuckets.Seconds);
        _queue = _meter.CreateHistogram("edgesplit.edge.queue.duration", "s", "Time a request waited for its batch to start", advice: HistogramBuckets.Seconds);
        _compute = _meter.CreateHistogram("edgesplit.edge.compute.duration", "s", "ONNX Runtime time of the batch a request ran in", advice: HistogramBuckets.Seconds);
        _batchRows = _meter.CreateHistogram("edgesplit.edge.batch.rows", "{row}", "Rows per executed micro-batch", advice: HistogramBuckets.Counts);
        _rejected = _meter.CreateCounter<long>("edgesplit.edge.rejected", "{request}", "Requests refused because the queue was full");
        _expired = _meter.CreateCounter<long>("edgesplit.edge.expired", "{request}", "Requests dropped because their deadline passed before compute");
        _invalid = _meter.CreateCounter<long>("edgesplit.edge.invalid", "{request}", "Requests refused as malformed or for another model");
        _limited = _meter.CreateCounter<long>("edgesplit.edge.limited", "{request}", "Requests or calls refused by a per-device or node limit, by limit (never by device: unbounded labels)");
        _malformed = _meter.CreateCounter<long>("edgesplit.edge.malformed", "{message}", "gRPC messages that could not be read (bad frame flag, bad compression, truncated, over the size limit, not protobuf), by kind");
        _nonFinite = _meter.CreateCounter<long>("edgesplit.edge.nonfinite", "{request}", "Requests whose outputs were NaN or infinite and were answered with an error instead");
        _meter.CreateObservableGauge("edgesplit.edge.stream.held", () => Volatile.Read(ref _streamBytes), "By", "Bytes InferStream calls hold in the node: replies not yet taken by their clients plus requests being answered");
        _meter.CreateObservableGauge("edgesplit.edge.queue.depth", () => _queueDepth(), "{request}", "Requests waiting to be batched");
        _meter.CreateObservableGauge("edgesplit.edge.inflight", () => _inFlight(), "{request}", "Requests admitted and not yet answered");
    }

    /// <summary>Connects the queue-depth and in-flight gauges to their sources.</summary>
    public void Observe(Func<int> queueDepth, Func<int> inFlight)
    {
        _queueDepth = queueDepth;
        _inFlight = inFlight;
    }

    /// <summary>Records one answered request.</summary>
    public void Completed(int cut, string encoding, double totalSeconds, double queueSeconds, double computeSeconds)
    {
        var tags = new TagList { { "cut", cut }, { "encoding", encoding } };
        _duration.Record(totalSeconds, tags);
        _queue.Record(queueSeconds, tags);
        _compute.Record(computeSeconds, tags);
    }

    /// <summary>Records one executed micro-batch.</summary>
    public void Batch(int rows, int cut) => _batchRows.Record(rows, new KeyValuePair<string, object?>("cut", cut));

    /// <summary>Counts a request refused for a full queue.</summary>
    public void Rejected() => _rejected.Add(1);

    /// <summary>Counts a request or call refused by a limit (<c>rate</c>, <c>queued</c>, <c>streams</c>, <c>calls</c>).</summary>
    public void Limited(string limit) => _limited.Add(1, new KeyValuePair<string, object?>("limit", limit));

    /// <summary>Counts a message that could not be read, by kind (<c>flag</c>, <c>compression</c>, <c>truncated</c>, <c>too_large</c>, <c>protobuf</c>).</summary>
    public void Malformed(string kind) => _malformed.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts a request whose outputs were not finite.</summary>
    public void NonFinite() => _nonFinite.Add(1);

    /// <summary>Adds (or, negative, removes) bytes held by streams.</summary>
    public void StreamHeld(long bytes) => Interlocked.Add(ref _streamBytes, bytes);

    /// <summary>Bytes held by streams now (the gauge's value).</summary>
    public long StreamHeldBytes => Volatile.Read(ref _streamBytes);

    /// <summary>Counts a request dropped for its deadline.</summary>
    public void Expired() => _expired.Add(1);

    /// <summary>Counts a malformed or mismatched request, by reason.</summary>
    public void Invalid(string reason) => _invalid.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
