using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>How every gateway role registers its options and its background services.</summary>
internal static class GatewayServiceCollectionExtensions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to a configuration section and validates its data annotations at start.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

    /// <summary>
    /// Registers <typeparamref name="TService"/> as a singleton that is also a hosted service: the host starts and
    /// stops the same instance the rest of the node resolves.
    /// </summary>
    public static IServiceCollection AddHostedSingleton<TService>(this IServiceCollection services)
        where TService : class, IHostedService
    {
        services.AddSingleton<TService>();
        return services.AddHostedService(sp => sp.GetRequiredService<TService>());
    }
}
