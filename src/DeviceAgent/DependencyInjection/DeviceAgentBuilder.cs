using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.DeviceAgent.Execution;
using EdgeSplit.Inference.Runtime;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddDeviceAgent</c>: picks the model, the edge transport and the device compute.</summary>
public sealed class DeviceAgentBuilder(IServiceCollection services)
{
    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; } = services;

    /// <summary>Uses this model instead of the bundled all-MiniLM-L6-v2.</summary>
    public DeviceAgentBuilder WithModel(Func<IServiceProvider, SplitModel> factory)
    {
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>Connects the agent to an edge node through this transport (without one the agent is device-only).</summary>
    public DeviceAgentBuilder WithEdge(Func<IServiceProvider, IEdgeTransport> factory)
    {
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>Runs the device's stages on this compute instead of <see cref="LocalExecutor"/> (the model on this device).</summary>
    public DeviceAgentBuilder WithCompute(Func<IServiceProvider, IDeviceCompute> factory)
    {
        Services.AddSingleton(factory);
        return this;
    }
}
