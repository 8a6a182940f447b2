using EdgeSplit.Gateway.Edge;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the edge role's endpoints.</summary>
public static class EdgeNodeEndpointRouteBuilderExtensions
{
    /// <summary>Health-check tag of the readiness checks.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Maps the gRPC service, grpc.health.v1, <c>/healthz</c> (live) and <c>/readyz</c> (model loaded).</summary>
    public static IEndpointRouteBuilder MapEdgeNode(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<SplitInferenceService>();
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return endpoints;
    }
}
