using System.Diagnostics;
using System.Diagnostics.Metrics;
using EdgeSplit.Contracts.Telemetry;
using EdgeSplit.DeviceAgent.Energy;

namespace EdgeSplit.DeviceAgent.Observability;

/// <summary>
/// The device agent's instruments (meter and activity source <c>EdgeSplit.DeviceAgent</c>): requests by
/// route, chosen cut, predicted vs actual latency, breaker state, bytes sent and received, and what the requests cost
/// the phone (compute time, modelled energy, the all-local counterfactual) — the same figures <c>embed --explain</c>
/// and <c>embed --json</c> print.
/// </summary>
public sealed class DeviceTelemetry : IDisposable
{
    /// <summary>Meter and activity source name.</summary>
    public const string Name = "EdgeSplit.DeviceAgent";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _requests;
    private readonly Histogram<int> _cut;
    private readonly Histogram<double> _actual;
    private readonly Histogram<double> _predicted;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<double> _computeTime;
    private readonly Counter<double> _energy;
    private readonly Counter<double> _energyLocal;
    private readonly List<Func<bool>> _breakers = [];

    /// <summary>Creates the instruments on a meter of their own, disposed with this object (for callers without DI, like the CLI).</summary>
    public DeviceTelemetry()
        : this(new Meter(Name), ownsMeter: true)
    {
    }

    /// <summary>
    /// Creates the instruments on a meter from <paramref name="meterFactory"/>, the one a host's DI container
    /// registers: the meter is scoped to that container and disposed with it, so two hosts in one process
    /// (or two tests) keep their measurements apart. <c>AddDeviceAgent</c> uses this constructor whenever an
    /// <see cref="IMeterFactory"/> is registered.
    /// </summary>
    public DeviceTelemetry(IMeterFactory meterFactory)
        : this((meterFactory ?? throw new ArgumentNullException(nameof(meterFactory))).Create(Name), ownsMeter: false)
    {
    }

    private DeviceTelemetry(Meter meter, bool ownsMeter)
    {
        _meter = meter;
        _ownsMeter = ownsMeter;
        _requests = _meter.CreateCounter<long>("edgesplit.device.requests", "{request}", "Answered requests by route (edge, local, fallback)");
        _cut = _meter.CreateHistogram("edgesplit.device.cut", "{stage}", "Cut chosen: stages [0,k) ran on the device",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [0, 1, 2, 3, 4, 5, 6, 7, 8] });
        _actual = _meter.CreateHistogram("edgesplit.device.latency", "s", "Actual end-to-end latency", advice: HistogramBuckets.Seconds);
        _predicted = _meter.CreateHistogram("edgesplit.device.latency.predicted", "s", "Latency the planner predicted for the chosen cut", advice: HistogramBuckets.Seconds);
        _bytesSent = _meter.CreateCounter<long>("edgesplit.device.bytes_sent", "By", "Activation bytes sent to the edge, by route");
        _bytesReceived = _meter.CreateCounter<long>("edgesplit.device.bytes_received", "By", "Reply bytes received from the edge, by route");
        _computeTime = _meter.CreateCounter<double>("edgesplit.device.compute.time", "s", "Device compute spent: heads, full local runs and local tails (cancelled ones up to their cancellation), by route");
        _energy = _meter.CreateCounter<double>("edgesplit.device.energy", "mJ", "Modelled device energy (compute, radio, idle wait for the edge), by route");
        _energyLocal = _meter.CreateCounter<double>("edgesplit.device.energy.local", "mJ", "Modelled device energy the same requests would have cost all-local (the counterfactual), by route");
        _meter.CreateObservableGauge("edgesplit.device.breaker.open", CountOpen, "{agent}", "Agents whose edge circuit breaker is open (all-local); 0 or 1 on a phone, a count in the fleet simulator");
    }

    /// <summary>Spans of device requests; the edge's span joins them through the request's traceparent.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Adds an agent's breaker to the gauge (a fleet simulator shares one instance across its phones).</summary>
    public void ObserveBreaker(Func<bool> open)
    {
        lock (_breakers)
        {
            _breakers.Add(open);
        }
    }

    /// <summary>Records one answered request.</summary>
    public void Answered(string route, int cut, double predictedMs, double actualMs, long bytesSent)
    {
        var tag = new KeyValuePair<string, object?>("route", route);
        _requests.Add(1, tag);
        _cut.Record(cut, tag);
        _actual.Record(actualMs / 1000, tag);
        _predicted.Record(predictedMs / 1000, tag);
        if (bytesSent > 0)
        {
            _bytesSent.Add(bytesSent, tag);
        }
    }

    /// <summary>Records what one answered request cost the phone (<see cref="DeviceSpend"/>).</summary>
    public void Spent(string route, DeviceSpend spend)
    {
        ArgumentNullException.ThrowIfNull(spend);
        var tag = new KeyValuePair<string, object?>("route", route);
        _computeTime.Add(spend.ComputeMs / 1000, tag);
        _energy.Add(spend.Millijoules, tag);
        _energyLocal.Add(spend.LocalMillijoules, tag);
        if (spend.BytesDown > 0)
        {
            _bytesReceived.Add(spend.BytesDown, tag);
        }
    }

    /// <summary>Disposes the meter this object created; a meter from an <see cref="IMeterFactory"/> is the factory's to dispose.</summary>
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private int CountOpen()
    {
        lock (_breakers)
        {
            return _breakers.Count(open => open());
        }
    }
}
