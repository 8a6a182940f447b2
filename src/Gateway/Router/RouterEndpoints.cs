using EdgeSplit.Gateway.Router;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the router's own endpoints and the proxy.</summary>
public static class RouterEndpoints
{
    /// <summary>Maps <c>/healthz</c>, <c>/readyz</c> (at least one healthy edge) and the YARP proxy.</summary>
    public static WebApplication MapEdgeRouter(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (RouterReadiness readiness) =>
        {
            var (healthy, total) = readiness.Count();
            var body = $"{healthy}/{total} edges healthy";
            return healthy > 0 ? Results.Text(body) : Results.Text(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.UseMiddleware<EdgeFailureStatus>();
        app.MapReverseProxy();
        return app;
    }
}
