using System.Net;
using EdgeSplit.Gateway.Edge;
using EdgeSplit.Gateway.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeSplit.Gateway;

/// <summary>Builds the gateway web application for the configured role; Program and tests share it.</summary>
public static class GatewayApp
{
    /// <summary>Configuration key of the role.</summary>
    public const string RoleKey = "EdgeSplit:Role";

    /// <summary>Configuration key of the optional port whose endpoints speak HTTP/1.1 (health and metrics for h2c-less clients).</summary>
    public const string Http1PortKey = "EdgeSplit:Http1Port";

    /// <summary>Configuration key that accepts unencrypted (h2c / HTTP/1.1) endpoints beyond loopback.</summary>
    public const string AllowCleartextKey = "EdgeSplit:AllowCleartext";

    /// <summary>
    /// Creates the application; <paramref name="configure"/> runs before the role's services are added and
    /// <paramref name="configureEdge"/> after the edge role's (tests and benchmarks hand in a loaded model there).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, Action<EdgeNodeBuilder>? configureEdge = null)
    {
        // Content root = the application directory, so appsettings.json is found whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var role = ReadRole(builder.Configuration);
        EnsureCleartextAllowed(builder.Configuration);
        var auth = new AuthOptions();
        if (role == GatewayRole.Edge)
        {
            auth = builder.Services.AddEdgeSplitAuth(builder.Configuration);
        }

        // gRPC over cleartext needs HTTP/2 with prior knowledge; Http1AndHttp2 on h2c would make
        // Kestrel expect HTTP/1.1 and break gRPC clients. Plain curl: --http2-prior-knowledge.
        // The optional HTTP/1.1 port serves the same health and metrics endpoints to scrapers and probes
        // that cannot speak h2c (Prometheus, docker HEALTHCHECK with plain curl). TLS endpoints negotiate h2 by ALPN.
        var setProtocols = builder.Configuration["Kestrel:EndpointDefaults:Protocols"] is null;
        var http1Port = builder.Configuration.GetValue<int>(Http1PortKey);
        var guardOpen = role == GatewayRole.Edge && !auth.Enabled && !auth.AllowAnonymous;
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e =>
        {
            // Runs for every endpoint before it is bound (--urls, ASPNETCORE_URLS, Kestrel:Endpoints), so an open
            // edge never listens beyond loopback, not even for a moment.
            if (guardOpen && e.IPEndPoint is { } ip && !IPAddress.IsLoopback(ip.Address))
            {
                throw new InvalidOperationException(
                    $"The edge would listen on {ip} without device authentication. Set EdgeSplit:Auth:SigningKey or " +
                    "EdgeSplit:Auth:SigningKeyFile (make a key with: EdgeSplit.Gateway token keygen), or set " +
                    "EdgeSplit:Auth:AllowAnonymous=true to serve anyone on purpose. Without a key the edge runs open only on loopback.");
            }

            if (setProtocols)
            {
                e.Protocols = http1Port > 0 && e.IPEndPoint?.Port == http1Port ? HttpProtocols.Http1 : HttpProtocols.Http2;
            }
        }));

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
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeSplit.Gateway.Security");
            if (auth.Enabled)
            {
                SecurityLog.AuthOn(logger, auth.Issuer, auth.Audience);
                app.UseAuthentication();
                app.UseAuthorization();
            }
            else
            {
                SecurityLog.AuthOff(logger);
            }

            app.UseMiddleware<EdgeSplit.Gateway.Edge.Reading.UnaryMessageGuard>();
            app.MapEdgeNode();
        }

        var metrics = app.MapPrometheusScrapingEndpoint("/metrics");
        if (auth.Enabled && !auth.AnonymousMetrics)
        {
            metrics.RequireAuthorization(AuthServiceCollectionExtensions.DevicePolicy);
        }

        return app;
    }

    /// <summary>
    /// Cleartext endpoints (h2c for gRPC, HTTP/1.1 for probes) are for local development: on loopback they need
    /// nothing, anywhere else <see cref="AllowCleartextKey"/> must say so (e.g. a private container network).
    /// </summary>
    private static void EnsureCleartextAllowed(IConfiguration configuration)
    {
        if (configuration.GetValue<bool>(AllowCleartextKey))
        {
            return;
        }

        var urls = (configuration[WebHostDefaults.ServerUrlsKey] ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        var open = urls.Where(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLoopback(u)).ToList();
        if (open.Count > 0)
        {
            throw new InvalidOperationException(
                $"unencrypted endpoint(s) {string.Join(", ", open)} would be reachable beyond this machine. Use https:// endpoints " +
                "with a certificate (Kestrel:Endpoints:<name>:Url + Certificate:Path/KeyPath), or set " +
                $"{AllowCleartextKey}=true to accept cleartext on purpose (e.g. a private container network).");
        }
    }

    private static bool IsLoopback(string url)
    {
        var rest = url["http://".Length..];
        var host = rest.StartsWith('[') ? rest[..(rest.IndexOf(']', StringComparison.Ordinal) + 1)] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
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
