using EdgeSplit.DeviceAgent.Observability;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EdgeSplit.Cli;

/// <summary>
/// Exports the device agent's telemetry from the CLI: OTLP (traces and metrics) when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and a Prometheus <c>/metrics</c> listener when a port is given
/// (the fleet simulator in docker compose is scraped that way).
/// </summary>
public sealed class DeviceTelemetryExport : IDisposable
{
    private readonly MeterProvider? _meters;
    private readonly TracerProvider? _tracer;

    private DeviceTelemetryExport(MeterProvider? meters, TracerProvider? tracer)
    {
        _meters = meters;
        _tracer = tracer;
    }

    public static DeviceTelemetryExport Start(string serviceName, int prometheusPort = 0)
    {
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (!otlp && prometheusPort <= 0)
        {
            return new DeviceTelemetryExport(null, null);
        }

        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);
        var meters = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(DeviceTelemetry.Name);
        if (prometheusPort > 0)
        {
            // "+" listens on every interface, so a scraper in another container can reach the fleet.
            meters.AddPrometheusHttpListener(o =>
            {
                o.Host = "+";
                o.Port = prometheusPort;
            });
        }

        TracerProvider? tracer = null;
        if (otlp)
        {
            meters.AddOtlpExporter();
            tracer = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource)
                .AddSource(DeviceTelemetry.Name)
                .AddOtlpExporter()
                .Build();
        }

        return new DeviceTelemetryExport(meters.Build(), tracer);
    }

    public void Dispose()
    {
        _tracer?.Dispose();
        _meters?.Dispose();
    }
}
