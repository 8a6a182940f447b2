using System.Diagnostics.Metrics;
using EdgeSplit.DeviceAgent.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSplit.DeviceAgent.Tests.Execution;

/// <summary>
/// Listens to the device meter that one <see cref="IMeterFactory"/> created, and nothing else: every counter and
/// histogram measurement with its route, and whether the meter's instruments were completed (the meter disposed).
/// </summary>
internal sealed class DeviceMeasurements : IDisposable
{
    private readonly List<(string Instrument, double Value, string? Route)> _measurements = [];
    private readonly Dictionary<string, IReadOnlyList<double>?> _buckets = [];
    private readonly MeterListener _listener;
    private readonly ServiceProvider? _metrics;
    private int _completed;

    public DeviceMeasurements(IMeterFactory factory)
    {
        Factory = factory;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Meter.Name == DeviceTelemetry.Name)
                {
                    if (instrument is Histogram<double> histogram)
                    {
                        lock (_buckets)
                        {
                            _buckets[histogram.Name] = histogram.Advice?.HistogramBucketBoundaries;
                        }
                    }

                    listener.EnableMeasurementEvents(instrument);
                }
            },
            MeasurementsCompleted = (_, _) => Interlocked.Increment(ref _completed),
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private DeviceMeasurements(ServiceProvider metrics)
        : this(metrics.GetRequiredService<IMeterFactory>()) => _metrics = metrics;

    /// <summary>The factory whose meter is heard.</summary>
    public IMeterFactory Factory { get; }

    /// <summary>Every measurement so far, in order: instrument name, value and <c>route</c> tag.</summary>
    public (string Instrument, double Value, string? Route)[] All
    {
        get
        {
            lock (_measurements)
            {
                return [.. _measurements];
            }
        }
    }

    /// <summary>Routes of the requests counted so far (<c>edgesplit.device.requests</c>), in order.</summary>
    public string[] Routes => [.. All.Where(m => m.Instrument == "edgesplit.device.requests").Select(m => m.Route ?? "(no route)")];

    /// <summary>Bucket boundaries each <c>double</c> histogram of the meter advises (null: none), by instrument name.</summary>
    public Dictionary<string, IReadOnlyList<double>?> HistogramBuckets
    {
        get
        {
            lock (_buckets)
            {
                return new(_buckets);
            }
        }
    }

    /// <summary>Whether any of the meter's instruments has been completed.</summary>
    public bool Completed => Volatile.Read(ref _completed) > 0;

    /// <summary>Listens to a meter factory of its own (the framework's, from <c>AddMetrics</c>), disposed with this object.</summary>
    public static DeviceMeasurements OnOwnFactory() => new(new ServiceCollection().AddMetrics().BuildServiceProvider());

    public void Dispose()
    {
        _listener.Dispose();
        _metrics?.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? route = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "route")
            {
                route = tag.Value as string;
            }
        }

        lock (_measurements)
        {
            _measurements.Add((instrument.Name, value, route));
        }
    }
}
