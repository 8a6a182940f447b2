using EdgeSplit.Gateway.Observability;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>OpenTelemetry for both roles: Prometheus <c>/metrics</c>, traces joined over W3C trace context, OTLP when configured.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Activity source of the edge node's spans.</summary>
    public const string EdgeActivitySource = "EdgeSplit.Edge";

    /// <summary>
    /// Adds metrics (EdgeSplit meters, ASP.NET Core and Kestrel meters, exported for Prometheus scraping) and
    /// tracing (ASP.NET Core server spans, outgoing HTTP spans for the router). OTLP export is added when the
    /// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set.
    /// </summary>
    public static OpenTelemetryBuilder AddEdgeSplitTelemetry(this IServiceCollection services, string serviceName, IConfiguration configuration)
    {
        services.TryAddSingleton<EdgeMetrics>();
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        return services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(EdgeMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Yarp.ReverseProxy")
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(EdgeActivitySource)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsOperational(context.Request.Path))
                    .AddHttpClientInstrumentation();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });
    }

    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
