namespace EdgeSplit.Gateway.Tests.Router;

/// <summary>A real router (Kestrel on 127.0.0.1, port 0) in front of the given edges, with a gRPC client and an HTTP/2 client.</summary>
internal sealed class EdgeRouter : TestNode
{
    private EdgeRouter(WebApplication app)
        : base(app)
    {
        Client = new SplitInference.SplitInferenceClient(Channel);
        Http = new HttpClient { BaseAddress = Address, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
    }

    public SplitInference.SplitInferenceClient Client { get; }

    public HttpClient Http { get; }

    public static async Task<EdgeRouter> StartAsync(IEnumerable<Uri> edges, params string[] settings)
    {
        var edgeSettings = edges.Select((e, i) => $"--EdgeSplit:Router:Edges:{i}={e.ToString().TrimEnd('/')}");
        var app = await StartAppAsync(null, null,
        [
            "--EdgeSplit:Role=Router", "--EdgeSplit:Router:HealthCheckIntervalSeconds=1", "--EdgeSplit:Router:ResolveDns=false",
            .. edgeSettings, .. settings,
        ]);
        return new EdgeRouter(app);
    }

    /// <summary>A router in front of <paramref name="edges"/>, handed back once /readyz counts every one of them healthy.</summary>
    public static async Task<EdgeRouter> StartHealthyAsync(params Uri[] edges)
    {
        var router = await StartAsync(edges);
        try
        {
            await router.WaitForHealthyAsync(edges.Length);
            return router;
        }
        catch
        {
            await router.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls /readyz until its body starts with <paramref name="healthy"/> healthy edges.</summary>
    public async Task WaitForHealthyAsync(int healthy)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            var body = await Http.GetStringAsync("/readyz", timeout.Token).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : string.Empty, TaskScheduler.Default);
            if (body.StartsWith($"{healthy}/", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>
    /// Waits until every edge's active health probe has reported <paramref name="health"/> (a condition, not a sleep).
    /// On timeout the message names each destination's address, its health states, whether a plain TCP connect from
    /// the test reaches it, and where the given <paramref name="servers"/> listen now, so a failure says which side was wrong.
    /// </summary>
    public static async Task WaitForActiveHealthAsync(EdgeRouter router, Yarp.ReverseProxy.Model.DestinationHealth health, params WebApplication[] servers)
    {
        var state = router.App.Services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>();
        var deadline = DateTime.UtcNow + Timeout;
        while (!(state.TryGetCluster(EdgeSplit.Gateway.Router.RouterProxyConfig.ClusterId, out var cluster)
                 && cluster.Destinations.Count > 0
                 && cluster.Destinations.Values.All(d => d.Health.Active == health)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no active health '{health}' within {Timeout.TotalSeconds} s. {await DescribeAsync(state, servers)}");
            }

            await Task.Delay(50);
        }
    }

    private static async Task<string> DescribeAsync(Yarp.ReverseProxy.IProxyStateLookup state, WebApplication[] servers)
    {
        var lines = new List<string>();
        if (state.TryGetCluster(EdgeSplit.Gateway.Router.RouterProxyConfig.ClusterId, out var cluster))
        {
            foreach (var destination in cluster.Destinations.Values)
            {
                var address = new Uri(destination.Model.Config.Address);
                string tcp;
                try
                {
                    using var client = new System.Net.Sockets.TcpClient();
                    await client.ConnectAsync(address.Host, address.Port).WaitAsync(TimeSpan.FromSeconds(5));
                    tcp = "connects";
                }
                catch (Exception e)
                {
                    tcp = e.Message;
                }

                lines.Add($"{destination.DestinationId} {address}: active {destination.Health.Active}, passive {destination.Health.Passive}, TCP from the test: {tcp}");
            }
        }

        lines.AddRange(servers.Select(s => $"server listens on {string.Join(", ", ServerAddress.All(s))}"));
        return string.Join("; ", lines);
    }
}
