using EdgeSplit.Gateway.Edge;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeSplit.Gateway;

/// <summary>Builds the gateway web application for the configured role; Program and tests share it.</summary>
public static class GatewayApp
{
    /// <summary>Configuration key of the role.</summary>
    public const string RoleKey = "EdgeSplit:Role";

    /// <summary>Configuration key of the optional port whose endpoints speak HTTP/1.1 (health and metrics for h2c-less clients).</summary>
    public const string Http1PortKey = "EdgeSplit:Http1Port";

    /// <summary>
    /// Creates the application; <paramref name="configure"/> runs before the role's services are added and
    /// <paramref name="configureEdge"/> after the edge role's (tests and benchmarks hand in a loaded model there).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, Action<EdgeNodeBuilder>? configureEdge = null)
    {
        // Content root = the application directory, so appsettings.json is found whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        if (builder.Configuration["Kestrel:EndpointDefaults:Protocols"] is null)
        {
            // gRPC over cleartext needs HTTP/2 with prior knowledge; Http1AndHttp2 on h2c would make
            // Kestrel expect HTTP/1.1 and break gRPC clients. Plain curl: --http2-prior-knowledge.
            // The optional HTTP/1.1 port serves the same health and metrics endpoints to scrapers and probes
            // that cannot speak h2c (Prometheus, docker HEALTHCHECK with plain curl).
            var http1Port = builder.Configuration.GetValue<int>(Http1PortKey);
            builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e =>
                e.Protocols = http1Port > 0 && e.IPEndPoint?.Port == http1Port ? HttpProtocols.Http1 : HttpProtocols.Http2));
        }

        var role = ReadRole(builder.Configuration);
        builder.Services.AddEdgeSplitTelemetry($"edgesplit-{role.ToString().ToLowerInvariant()}", builder.Configuration);
        switch (role)
        {
            case GatewayRole.Edge:
                var edge = builder.Services.AddEdgeNode(builder.Configuration);
                configureEdge?.Invoke(edge);
                break;
            case GatewayRole.Router:
                builder.Services.AddEdgeRouter(builder.Configuration);
                break;
            default:
                throw new InvalidOperationException($"{RoleKey} '{role}' is not supported.");
        }

        var app = builder.Build();
        if (role == GatewayRole.Router)
        {
            app.MapEdgeRouter();
        }
        else
        {
            app.MapEdgeNode();
        }

        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static GatewayRole ReadRole(IConfiguration configuration)
    {
        var value = configuration[RoleKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return GatewayRole.Edge;
        }

        return Enum.TryParse<GatewayRole>(value, ignoreCase: true, out var role) && Enum.IsDefined(role)
            ? role
            : throw new InvalidOperationException($"{RoleKey} is '{value}'; expected one of: {string.Join(", ", Enum.GetNames<GatewayRole>())}.");
    }
}
