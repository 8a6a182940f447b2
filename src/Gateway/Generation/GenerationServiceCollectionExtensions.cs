using EdgeSplit.Gateway.Generation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers split generation on an edge node.</summary>
public static class GenerationServiceCollectionExtensions
{
    /// <summary>Adds the Generate service, the decoder host, the decode scheduler and their options.</summary>
    public static IServiceCollection AddEdgeGeneration(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<GenerationOptions>(configuration, GenerationOptions.SectionName);
        services.AddSingleton<GenerationHost>();
        services.AddHostedService(sp => sp.GetRequiredService<GenerationHost>());
        services.AddSingleton<GenerationMetrics>();
        services.AddSingleton<DecodeScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<DecodeScheduler>());
        services.AddHealthChecks().AddCheck<DecoderReadyHealthCheck>("decoder", tags: [Microsoft.AspNetCore.Builder.EdgeNodeEndpointRouteBuilderExtensions.ReadyTag]);
        return services;
    }
}
