using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace EdgeSplit.Gateway.Router;

/// <summary>The router is ready when at least one edge passed its last active health probe.</summary>
internal sealed class RouterReadiness(IProxyStateLookup proxyState)
{
    public (int Healthy, int Total) Count()
    {
        if (!proxyState.TryGetCluster(RouterProxyConfig.ClusterId, out var cluster))
        {
            return (0, 0);
        }

        var destinations = cluster.Destinations.Values.ToList();
        var healthy = destinations.Count(d => d.Health.Active == DestinationHealth.Healthy && d.Health.Passive != DestinationHealth.Unhealthy);
        return (healthy, destinations.Count);
    }
}
