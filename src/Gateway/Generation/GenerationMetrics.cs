using System.Diagnostics.Metrics;
using EdgeSplit.Contracts.Telemetry;
using EdgeSplit.Gateway.Observability;

namespace EdgeSplit.Gateway.Generation;

/// <summary>Split-generation instruments on the edge meter (<c>EdgeSplit.Edge</c>): tokens, time per output token, batch sessions, sessions and KV bytes.</summary>
internal sealed class GenerationMetrics
{
    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _timePerToken;
    private readonly Histogram<int> _batchSessions;
    private readonly Counter<long> _refused;
    private Func<int> _sessions = () => 0;
    private Func<long> _kvBytes = () => 0;
    private Func<long> _kvReserved = () => 0;

    public GenerationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(EdgeMetrics.MeterName);
        _tokens = meter.CreateCounter<long>("edgesplit.generation.tokens", "{token}", "Tokens generated (prefill and decode); its rate is tokens/s");
        _timePerToken = meter.CreateHistogram("edgesplit.generation.time_per_output_token", "s", "Node time from a decode row's receipt to its token", advice: HistogramBuckets.Seconds);
        _batchSessions = meter.CreateHistogram("edgesplit.generation.batch.sessions", "{session}", "Sessions per decode run", advice: HistogramBuckets.Counts);
        _refused = meter.CreateCounter<long>("edgesplit.generation.refused", "{session}", "Sessions refused, by reason");
        meter.CreateObservableGauge("edgesplit.generation.sessions", () => _sessions(), "{session}", "Open generation sessions");
        meter.CreateObservableGauge("edgesplit.generation.kv.used", () => _kvBytes(), "By", "KV-cache bytes in use");
        meter.CreateObservableGauge("edgesplit.generation.kv.reserved", () => _kvReserved(), "By", "KV-cache bytes reserved by open sessions");
    }

    public void Observe(Func<int> sessions, Func<long> kvBytes, Func<long> kvReserved)
    {
        _sessions = sessions;
        _kvBytes = kvBytes;
        _kvReserved = kvReserved;
    }

    public void Token(double seconds, bool decode)
    {
        _tokens.Add(1);
        if (decode)
        {
            _timePerToken.Record(seconds);
        }
    }

    public void Batch(int sessions) => _batchSessions.Record(sessions);

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
