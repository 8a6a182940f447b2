using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>How every gateway role registers its options.</summary>
internal static class ValidatedOptionsServiceCollectionExtensions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to a configuration section and validates its data annotations at start.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
