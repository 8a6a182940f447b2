using EdgeSplit.Gateway.Edge;
using EdgeSplit.Gateway.Edge.Reading;
using EdgeSplit.Gateway.Fairness;
using EdgeSplit.Gateway.Generation;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the edge role of the gateway.</summary>
public static class EdgeNodeServiceCollectionExtensions
{
    /// <summary>Adds the split-inference and split-generation gRPC services, per-device limits, admission and micro-batching, model and decoder hosts, and health checks.</summary>
    public static EdgeNodeBuilder AddEdgeNode(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<EdgeNodeOptions>(configuration, EdgeNodeOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ModelFactory(ModelHost.LoadFromOptions, OwnsModel: true));
        services.AddHostedSingleton<ModelHost>();
        services.AddSingleton(sp => new LoadTracker(sp.GetRequiredService<IOptions<EdgeNodeOptions>>().Value.EwmaAlpha));
        services.TryAddSingleton<EdgeSplit.Gateway.Observability.EdgeMetrics>();
        services.AddHostedSingleton<MicroBatcher>();
        services.AddValidatedOptions<LimitsOptions>(configuration, LimitsOptions.SectionName);
        services.AddSingleton<DeviceLimiter>();
        services.AddSingleton<InferencePipeline>();
        services.AddSingleton<MalformedInput>();
        AddSplitGeneration(services, configuration);
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

    /// <summary>Split generation (the Generate service): options, the decoder host, the decode scheduler and the decoder's readiness.</summary>
    private static void AddSplitGeneration(IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<GenerationOptions>(configuration, GenerationOptions.SectionName);
        services.AddHostedSingleton<GenerationHost>();
        services.AddSingleton<GenerationMetrics>();
        services.AddHostedSingleton<DecodeScheduler>();
        services.AddHealthChecks().AddCheck<DecoderReadyHealthCheck>("decoder", tags: [EdgeNodeEndpointRouteBuilderExtensions.ReadyTag]);
    }
}
