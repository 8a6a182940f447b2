using EdgeSplit.Gateway.Edge;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeSplit.Gateway;

/// <summary>Builds the gateway web application for the configured role; Program and tests share it.</summary>
public static class GatewayApp
{
    /// <summary>Configuration key of the role.</summary>
    public const string RoleKey = "EdgeSplit:Role";

    /// <summary>
    /// Creates the application; <paramref name="configure"/> runs before the role's services are added and
    /// <paramref name="configureEdge"/> after the edge role's (tests and benchmarks hand in a loaded model there).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, Action<EdgeNodeBuilder>? configureEdge = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        if (builder.Configuration["Kestrel:EndpointDefaults:Protocols"] is null)
        {
            // gRPC over cleartext needs HTTP/2 with prior knowledge; Http1AndHttp2 on h2c would make
            // Kestrel expect HTTP/1.1 and break gRPC clients. Plain curl: --http2-prior-knowledge.
            builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http2));
        }

        var role = ReadRole(builder.Configuration);
        switch (role)
        {
            case GatewayRole.Edge:
                var edge = builder.Services.AddEdgeNode(builder.Configuration);
                configureEdge?.Invoke(edge);
                break;
            default:
                throw new InvalidOperationException($"{RoleKey} '{role}' is not available in this build; use 'Edge'.");
        }

        var app = builder.Build();
        app.MapEdgeNode();
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
