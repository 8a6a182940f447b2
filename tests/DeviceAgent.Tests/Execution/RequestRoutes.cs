using System.Diagnostics.Metrics;
using EdgeSplit.DeviceAgent.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSplit.DeviceAgent.Tests.Execution;

/// <summary>
/// Listens to the device meter that one <see cref="IMeterFactory"/> created, and nothing else: the route of every
/// request it counts, and whether its instruments were completed (the meter disposed).
/// </summary>
internal sealed class RequestRoutes : IDisposable
{
    private readonly List<string> _routes = [];
    private readonly MeterListener _listener;
    private readonly ServiceProvider? _metrics;
    private int _completed;

    public RequestRoutes(IMeterFactory factory)
    {
        Factory = factory;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Meter.Name == DeviceTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
            MeasurementsCompleted = (_, _) => Interlocked.Increment(ref _completed),
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            if (instrument.Name == "edgesplit.device.requests")
            {
                lock (_routes)
                {
                    _routes.Add(tags.ToArray().Single(t => t.Key == "route").Value as string ?? "(no route)");
                }
            }
        });
        _listener.Start();
    }

    private RequestRoutes(ServiceProvider metrics)
        : this(metrics.GetRequiredService<IMeterFactory>()) => _metrics = metrics;

    /// <summary>The factory whose meter is heard.</summary>
    public IMeterFactory Factory { get; }

    /// <summary>Listens to a meter factory of its own (the framework's, from <c>AddMetrics</c>), disposed with this object.</summary>
    public static RequestRoutes OnOwnFactory() => new(new ServiceCollection().AddMetrics().BuildServiceProvider());

    /// <summary>Routes counted so far, in order.</summary>
    public string[] Routes
    {
        get
        {
            lock (_routes)
            {
                return [.. _routes];
            }
        }
    }

    /// <summary>Whether any of the meter's instruments has been completed.</summary>
    public bool Completed => Volatile.Read(ref _completed) > 0;

    public void Dispose()
    {
        _listener.Dispose();
        _metrics?.Dispose();
    }
}
