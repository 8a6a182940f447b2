using EdgeSplit.Contracts.Transport;
using EdgeSplit.Gateway.Router;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Router role: a YARP front door across edge nodes.</summary>
public static class RouterServiceCollectionExtensions
{
    /// <summary>Adds the router (YARP with health checks, load-aware balancing, device affinity and DNS discovery).</summary>
    public static IReverseProxyBuilder AddEdgeRouter(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RouterOptions>(configuration, RouterOptions.Section);
        services.AddSingleton<IValidateOptions<RouterOptions>, RouterOptionsValidator>();
        services.AddSingleton<RouterReadiness>();
        var options = new RouterOptions();
        configuration.GetSection(RouterOptions.Section).Bind(options);

        // YARP validates its cluster while the app is built, before ValidateOnStart runs: check first so
        // the operator sees which EdgeSplit key is wrong rather than YARP's internal cluster message.
        var validation = new RouterOptionsValidator().Validate(Options.Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.Options.DefaultName, typeof(RouterOptions), validation.Failures);
        }

        var proxy = services.AddReverseProxy().LoadFromMemory(RouterProxyConfig.Routes(), RouterProxyConfig.Clusters(options))
            .AddTransforms(transforms => transforms.AddResponseTransform(async response =>
            {
                // YARP holds response headers until the first body bytes (so a trailers-only gRPC error stays one
                // frame). An edge that admits a unary call sends its headers early on purpose, carrying the ETA the
                // device hedges on: pass those on at once, or they would reach the device only with the reply.
                if (response.ProxyResponse?.Headers.Contains(ProtocolHeaders.EtaMs) == true && !response.HttpContext.Response.HasStarted)
                {
                    await response.HttpContext.Response.StartAsync();
                    await response.HttpContext.Response.Body.FlushAsync();
                }
            }));
        if (options.ResolveDns)
        {
            proxy.AddDnsDestinationResolver(dns => dns.RefreshPeriod = TimeSpan.FromSeconds(Math.Max(1, options.DnsRefreshSeconds)));
        }

        if (!string.IsNullOrWhiteSpace(options.TrustedCaFile))
        {
            var roots = PrivateCaTrust.LoadPem(options.TrustedCaFile);
            if (roots.Count == 0)
            {
                throw new InvalidOperationException($"EdgeSplit:Router:TrustedCaFile '{options.TrustedCaFile}' holds no PEM certificate.");
            }

            var trust = new PrivateCaTrust(roots);
            proxy.ConfigureHttpClient((_, handler) => handler.SslOptions.RemoteCertificateValidationCallback = trust.Validate);
        }

        return proxy;
    }
}
