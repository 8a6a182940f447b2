using EdgeSplit.Inference.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeSplit.Gateway.Edge;

/// <summary>Returned by <c>AddEdgeNode</c> for further configuration of the node.</summary>
public sealed class EdgeNodeBuilder
{
    internal EdgeNodeBuilder(IServiceCollection services) => Services = services;

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Overrides options after configuration binding.</summary>
    public EdgeNodeBuilder Configure(Action<EdgeNodeOptions> configure)
    {
        Services.PostConfigure(configure);
        return this;
    }

    /// <summary>Serves an already loaded model (the caller keeps ownership) instead of loading one from the options.</summary>
    public EdgeNodeBuilder UseModel(SplitModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Services.Replace(ServiceDescriptor.Singleton(new ModelFactory(_ => model, OwnsModel: false)));
        return this;
    }
}
