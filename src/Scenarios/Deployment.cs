namespace EdgeSplit.Scenarios;

/// <summary>N edge processes and a router in front of them, on 127.0.0.1, each logging to its own file.</summary>
internal sealed class Deployment : IAsyncDisposable
{
    private Deployment(IReadOnlyList<GatewayProcess> edges, GatewayProcess router)
    {
        Edges = edges;
        Router = router;
    }

    public IReadOnlyList<GatewayProcess> Edges { get; }

    public GatewayProcess Router { get; }

    /// <summary>The gateway built beside this program (same configuration), from the repository layout.</summary>
    public static string LocateGateway() =>
        GatewayProcess.Locate(AppContext.BaseDirectory)
        ?? throw new FileNotFoundException("EdgeSplit.Gateway.dll not found; build the solution (dotnet build EdgeSplit.sln) or pass --gateway PATH.");

    public static async Task<Deployment> StartAsync(string gatewayDll, int edgeCount, string logDirectory, string cache, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string> { ["EDGESPLIT_CACHE"] = cache };
        console.MarkupLine($"[grey]starting {edgeCount} edge(s) and a router on 127.0.0.1 (logs in {Markup.Escape(logDirectory)})[/]");
        var starting = Enumerable.Range(1, edgeCount).Select(i => GatewayProcess.StartAsync(
            gatewayDll, [], TimeSpan.FromSeconds(120), $"edge-{i}", Path.Combine(logDirectory, $"edge-{i}.log"), environment)).ToList();
        var edges = new List<GatewayProcess>();
        GatewayProcess? router = null;
        try
        {
            try
            {
                // Every start is awaited, failed or not: an edge left starting would outlive the scenario.
                await Task.WhenAll(starting);
            }
            finally
            {
                edges.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            cancellationToken.ThrowIfCancellationRequested();
            var routerArgs = new List<string> { "--EdgeSplit:Role=Router", "--EdgeSplit:Router:HealthCheckIntervalSeconds=1", "--EdgeSplit:Router:ResolveDns=false" };
            routerArgs.AddRange(edges.Select((e, i) => $"--EdgeSplit:Router:Edges:{i}={e.Address}"));
            router = await GatewayProcess.StartAsync(gatewayDll, routerArgs, TimeSpan.FromSeconds(60), "router", Path.Combine(logDirectory, "router.log"), environment);
            await router.WaitForReadyBodyAsync($"{edgeCount}/{edgeCount}", TimeSpan.FromSeconds(30), cancellationToken);
            return new Deployment(edges, router);
        }
        catch
        {
            // One clean-up path for whatever had started.
            if (router is not null)
            {
                await router.DisposeAsync();
            }

            foreach (var edge in edges)
            {
                await edge.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        foreach (var edge in Edges)
        {
            await edge.DisposeAsync();
        }
    }
}
