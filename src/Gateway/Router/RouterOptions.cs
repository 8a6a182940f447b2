using System.ComponentModel.DataAnnotations;

namespace EdgeSplit.Gateway.Router;

/// <summary>Settings of the Router role (configuration section <c>EdgeSplit:Router</c>).</summary>
public sealed class RouterOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "EdgeSplit:Router";

    /// <summary>
    /// Edge base URLs, e.g. <c>http://127.0.0.1:5001</c> or <c>http://edge:8080</c>. With <see cref="ResolveDns"/>
    /// a host name becomes one destination per address it resolves to (docker compose --scale, Kubernetes headless Service).
    /// </summary>
    public List<string> Edges { get; set; } = [];

    /// <summary>Resolve edge host names to all their addresses and refresh them. Default true.</summary>
    public bool ResolveDns { get; set; } = true;

    /// <summary>How often DNS names are re-resolved, seconds. Default 5.</summary>
    [Range(1, 3600)]
    public int DnsRefreshSeconds { get; set; } = 5;

    /// <summary>Active health probe interval, seconds. Default 2.</summary>
    [Range(1, 300)]
    public int HealthCheckIntervalSeconds { get; set; } = 2;

    /// <summary>Active health probe timeout, seconds. Default 2.</summary>
    [Range(1, 300)]
    public int HealthCheckTimeoutSeconds { get; set; } = 2;

    /// <summary>Edge path probed over HTTP/2. Default <c>/readyz</c>.</summary>
    [Required]
    public string HealthPath { get; set; } = "/readyz";

    /// <summary>After a transport failure marks an edge unhealthy, how long before it is tried again, seconds. Default 5.</summary>
    [Range(1, 3600)]
    public int ReactivationSeconds { get; set; } = 5;

    /// <summary>YARP load-balancing policy: PowerOfTwoChoices (default), LeastRequests, RoundRobin, Random.</summary>
    [Required]
    public string LoadBalancingPolicy { get; set; } = "PowerOfTwoChoices";

    /// <summary>Header carrying the session-affinity key that keeps a device on one healthy edge. Default <c>x-edgesplit-affinity</c>.</summary>
    [Required]
    public string AffinityHeader { get; set; } = EdgeSplit.Contracts.Transport.ProtocolHeaders.Affinity;

    /// <summary>Idle time after which a proxied stream is ended, seconds. Default 1800 (YARP's own default, 100 s, would cut idle device streams).</summary>
    [Range(10, 86400)]
    public int ActivityTimeoutSeconds { get; set; } = 1800;

    /// <summary>
    /// PEM file of the CA that signed the edges' TLS certificates (for https:// edges); default: the system store.
    /// The edge's host name (or IP) must still match its certificate.
    /// </summary>
    public string? TrustedCaFile { get; set; }
}
