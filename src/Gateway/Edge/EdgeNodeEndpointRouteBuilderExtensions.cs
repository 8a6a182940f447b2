using EdgeSplit.Gateway.Edge;
using EdgeSplit.Gateway.Security;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the edge role's endpoints.</summary>
public static class EdgeNodeEndpointRouteBuilderExtensions
{
    /// <summary>Health-check tag of the readiness checks.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Maps the gRPC service, grpc.health.v1, <c>/healthz</c> (live) and <c>/readyz</c> (model loaded). With
    /// authentication on, the service needs a device token, and health too unless <c>EdgeSplit:Auth:AnonymousHealth</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapEdgeNode(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var auth = endpoints.ServiceProvider.GetRequiredService<IOptions<AuthOptions>>().Value;
        var service = endpoints.MapGrpcService<SplitInferenceService>();
        var generation = endpoints.MapGrpcService<EdgeSplit.Gateway.Generation.GenerationService>();
        IEndpointConventionBuilder[] health =
        [
            endpoints.MapGrpcHealthChecksService(),
            endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }),
            endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) }),
        ];
        if (auth.Enabled)
        {
            service.RequireAuthorization(AuthServiceCollectionExtensions.DevicePolicy);
            generation.RequireAuthorization(AuthServiceCollectionExtensions.DevicePolicy);
            if (!auth.AnonymousHealth)
            {
                foreach (var endpoint in health)
                {
                    endpoint.RequireAuthorization(AuthServiceCollectionExtensions.DevicePolicy);
                }
            }
        }

        return endpoints;
    }
}
