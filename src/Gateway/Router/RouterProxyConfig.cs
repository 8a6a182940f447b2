using System.Globalization;
using System.Net;
using EdgeSplit.Contracts.V1;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeSplit.Gateway.Router;

/// <summary>Builds the YARP route and cluster that front the edge nodes.</summary>
internal static class RouterProxyConfig
{
    public const string ClusterId = "edges";
    public const string RouteId = "split-inference";
    public const string GenerationRouteId = "split-generation";

    public static RouteConfig[] Routes() =>
    [
        new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = ClusterId,

            // Only the split-inference service is proxied; health, readiness and metrics are the router's own.
            Match = new RouteMatch { Path = $"/{SplitInference.Descriptor.FullName}/{{**method}}" },
        },

        // A Generate stream is one HTTP/2 request: YARP forwards all of it to the edge it picked, so a session
        // stays on its edge, and a new session goes where the load-balancing policy sends new requests.
        new RouteConfig
        {
            RouteId = GenerationRouteId,
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = $"/{SplitGeneration.Descriptor.FullName}/{{**method}}" },
        },
    ];

    public static ClusterConfig[] Clusters(RouterOptions options)
    {
        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal);
        for (var i = 0; i < options.Edges.Count; i++)
        {
            destinations[$"edge-{i.ToString(CultureInfo.InvariantCulture)}"] = new DestinationConfig { Address = options.Edges[i] };
        }

        return
        [
            new ClusterConfig
            {
                ClusterId = ClusterId,
                LoadBalancingPolicy = options.LoadBalancingPolicy,
                Destinations = destinations,

                // gRPC over cleartext HTTP/2 needs prior knowledge: never let the client fall back to HTTP/1.1.
                HttpRequest = new ForwarderRequestConfig
                {
                    Version = HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                    ActivityTimeout = TimeSpan.FromSeconds(options.ActivityTimeoutSeconds),
                },
                HttpClient = new HttpClientConfig { EnableMultipleHttp2Connections = true },
                HealthCheck = new HealthCheckConfig
                {
                    Active = new ActiveHealthCheckConfig
                    {
                        Enabled = true,
                        Interval = TimeSpan.FromSeconds(options.HealthCheckIntervalSeconds),
                        Timeout = TimeSpan.FromSeconds(options.HealthCheckTimeoutSeconds),
                        Policy = "ConsecutiveFailures",
                        Path = options.HealthPath,
                    },
                    Passive = new PassiveHealthCheckConfig
                    {
                        Enabled = true,
                        Policy = "TransportFailureRate",
                        ReactivationPeriod = TimeSpan.FromSeconds(options.ReactivationSeconds),
                    },
                },
                SessionAffinity = new SessionAffinityConfig
                {
                    Enabled = true,
                    Policy = "CustomHeader",
                    FailurePolicy = "Redistribute",
                    AffinityKeyName = options.AffinityHeader,
                },
                Metadata = new Dictionary<string, string>
                {
                    // One failed probe is enough to stop routing new devices to a dead edge.
                    ["ConsecutiveFailuresHealthPolicy.Threshold"] = "1",
                },
            },
        ];
    }
}
