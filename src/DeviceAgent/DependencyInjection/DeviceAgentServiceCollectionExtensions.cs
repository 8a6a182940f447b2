using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Execution;
using EdgeSplit.DeviceAgent.Observability;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the EdgeSplit device agent.</summary>
public static class DeviceAgentServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="SplitAgent"/> with validated <see cref="DeviceAgentOptions"/> (checked when first
    /// resolved, or at host start with ValidateOnStart), <see cref="TimeProvider.System"/> unless one is registered,
    /// <see cref="DeviceTelemetry"/> on the host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/> when one is
    /// registered, and the bundled model unless <see cref="DeviceAgentBuilder.WithModel"/> says otherwise.
    /// </summary>
    public static DeviceAgentBuilder AddDeviceAgent(this IServiceCollection services, Action<DeviceAgentOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DeviceAgentOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeviceAgentOptions>, DeviceAgentOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => SplitModel.Load(ModelSource.Bundled()));
        services.TryAddSingleton<DeviceTelemetry>();
        services.TryAddSingleton(sp => new SplitAgent(
            sp.GetRequiredService<SplitModel>(),
            sp.GetService<IEdgeTransport>(),
            sp.GetRequiredService<IOptions<DeviceAgentOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<DeviceTelemetry>(),
            sp.GetService<IDeviceCompute>()));
        return new DeviceAgentBuilder(services);
    }
}
