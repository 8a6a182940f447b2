using Spectre.Console;

namespace EdgeSplit.Scenarios;

/// <summary>N edge processes and a router in front of them, on 127.0.0.1.</summary>
internal sealed class Deployment : IAsyncDisposable
{
    private Deployment(IReadOnlyList<GatewayProcess> edges, GatewayProcess router)
    {
        Edges = edges;
        Router = router;
    }

    public IReadOnlyList<GatewayProcess> Edges { get; }

    public GatewayProcess Router { get; }

    public static async Task<Deployment> StartAsync(string gatewayDll, int edgeCount, string logDirectory, string cache, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var edges = Enumerable.Range(0, edgeCount)
            .Select(i => new GatewayProcess($"edge-{i + 1}", gatewayDll, GatewayProcess.FreePort(), [], logDirectory, cache))
            .ToList();
        var routerArgs = new List<string> { "--EdgeSplit:Role=Router", "--EdgeSplit:Router:HealthCheckIntervalSeconds=1", "--EdgeSplit:Router:ResolveDns=false" };
        routerArgs.AddRange(edges.Select((e, i) => $"--EdgeSplit:Router:Edges:{i}={e.Url}"));
        var router = new GatewayProcess("router", gatewayDll, GatewayProcess.FreePort(), routerArgs, logDirectory, cache);
        var deployment = new Deployment(edges, router);
        try
        {
            console.MarkupLine($"[grey]starting {edgeCount} edge(s) and a router on 127.0.0.1 (logs in {Markup.Escape(logDirectory)})[/]");
            await Task.WhenAll(edges.Select(e => e.StartAsync(TimeSpan.FromSeconds(120), cancellationToken)));
            await router.StartAsync(TimeSpan.FromSeconds(60), cancellationToken);
            await router.WaitForReadyBodyAsync($"{edgeCount}/{edgeCount}", TimeSpan.FromSeconds(30), cancellationToken);
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
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
