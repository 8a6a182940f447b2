namespace EdgeSplit.Scenarios;

/// <summary>
/// The scripted outage: router + 3 edges as real processes on this machine, a fleet of phones through the
/// router; one edge is killed at 20% of the run, the other two at 45% (all edges down), all three come back
/// at 70%. The report shows the fleet moving to local and back with zero failed requests.
/// </summary>
internal sealed class OutageScenario(string gatewayDll, FleetOptions fleetOptions, string workDirectory, IAnsiConsole console)
{
    private const int EdgeCount = 3;

    public async Task<FleetResult> RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workDirectory);
        var cache = Path.Combine(workDirectory, "segment-cache");
        await using var deployment = await Deployment.StartAsync(gatewayDll, EdgeCount, workDirectory, cache, console, cancellationToken);
        var edges = deployment.Edges;
        var router = deployment.Router;
        console.MarkupLine($"[green]router {router.Address} ready: {EdgeCount}/{EdgeCount} edges healthy[/]");
        using var model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions { Cache = new Inference.Partitioning.SegmentCache(cache) });
        var outages = new OutageLog();
        var runner = new FleetRunner(model, fleetOptions with { Edge = router.Address }, console, outages);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var script = ScriptAsync(runner, edges, outages, stop.Token);
        var result = await runner.RunAsync(cancellationToken);
        await stop.CancelAsync();
        await script.ContinueWith(_ => { }, TaskScheduler.Default);
        return result;
    }

    private async Task ScriptAsync(FleetRunner runner, IReadOnlyList<GatewayProcess> edges, OutageLog outages, CancellationToken cancellationToken)
    {
        var total = fleetOptions.Duration.TotalSeconds;
        await UntilAsync(runner, total * 0.20, cancellationToken);
        Say(runner, $"killing {edges[0].Name}");
        edges[0].Kill();
        outages.Begin("1 of 3 edges down", runner.ElapsedSeconds);

        await UntilAsync(runner, total * 0.45, cancellationToken);
        Say(runner, $"killing {edges[1].Name} and {edges[2].Name}: no edge left");
        edges[1].Kill();
        edges[2].Kill();
        // One instant for both, or the report shows an empty "between outages" phase.
        var handover = runner.ElapsedSeconds;
        outages.End("1 of 3 edges down", handover);
        outages.Begin("all edges down", handover);

        await UntilAsync(runner, total * 0.70, cancellationToken);
        Say(runner, "restarting all edges");
        await Task.WhenAll(edges.Select(e => e.RestartAsync(TimeSpan.FromSeconds(60))));
        outages.End("all edges down", runner.ElapsedSeconds);
        Say(runner, "all edges ready again");
    }

    private void Say(FleetRunner runner, string what) =>
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[yellow]{runner.ElapsedSeconds,5:F0}s  {Markup.Escape(what)}[/]"));

    private static async Task UntilAsync(FleetRunner runner, double seconds, CancellationToken cancellationToken)
    {
        while (runner.ElapsedSeconds < seconds)
        {
            await Task.Delay(100, cancellationToken);
        }
    }
}
