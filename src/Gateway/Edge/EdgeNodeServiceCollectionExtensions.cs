using EdgeSplit.Gateway.Edge;
using EdgeSplit.Gateway.Edge.Reading;
using EdgeSplit.Gateway.Fairness;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the edge role of the gateway.</summary>
public static class EdgeNodeServiceCollectionExtensions
{
    /// <summary>Adds the split-inference gRPC service, per-device limits, admission and micro-batching, model host and health checks.</summary>
    public static EdgeNodeBuilder AddEdgeNode(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<EdgeNodeOptions>(configuration, EdgeNodeOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ModelFactory(ModelHost.LoadFromOptions, OwnsModel: true));
        services.AddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.AddSingleton(sp => new LoadTracker(sp.GetRequiredService<IOptions<EdgeNodeOptions>>().Value.EwmaAlpha));
        services.TryAddSingleton<EdgeSplit.Gateway.Observability.EdgeMetrics>();
        services.AddSingleton<MicroBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<MicroBatcher>());
        services.AddOptions<LimitsOptions>()
            .Bind(configuration.GetSection(LimitsOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();
        services.AddSingleton<DeviceLimiter>();
        services.AddSingleton<InferencePipeline>();
        services.AddSingleton<MalformedInput>();
        services.AddEdgeGeneration(configuration);
        services.AddGrpc();
        services.AddOptions<GrpcServiceOptions>()
            .Configure<IOptions<EdgeNodeOptions>, MalformedInput>((grpc, edge, malformed) =>
            {
                grpc.MaxReceiveMessageSize = edge.Value.MaxMessageBytes;
                for (var i = 0; i < grpc.CompressionProviders.Count; i++)
                {
                    grpc.CompressionProviders[i] = new BoundedCompressionProvider(grpc.CompressionProviders[i], edge.Value.MaxMessageBytes, malformed);
                }
            });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<SplitInferenceService>, SplitInferenceMethods>());
        services.AddGrpcHealthChecks()
            .AddCheck<ModelReadyHealthCheck>("model", tags: [EdgeNodeEndpointRouteBuilderExtensions.ReadyTag]);
        return new EdgeNodeBuilder(services);
    }
}
