namespace EdgeSplit.Functional.Tests.Deploy;

/// <summary>The child-process handle scenarios and benchmarks start gateways with, on its failure paths.</summary>
public sealed class GatewayProcessTests
{
    [Fact]
    public async Task StartAsync_NeverReady_ThrowsAndLeavesNoProcess()
    {
        // A router whose only edge does not exist stays unready (503) for as long as we wait. The marker is an
        // unknown setting the gateway ignores; it finds the child among this machine's processes.
        var marker = $"--EdgeSplit:TestMarker={Guid.NewGuid():N}";
        string[] settings = ["--EdgeSplit:Role=Router", "--EdgeSplit:Router:Edges:0=http://127.0.0.1:1", marker];

        var error = await Assert.ThrowsAsync<TimeoutException>(() => GatewayProcess.StartAsync(RepoPaths.GatewayDll, settings, TimeSpan.FromSeconds(3), name: "unready router"));

        Assert.Contains("unready router was not ready within 3 s", error.Message);
        Assert.Empty(ProcessesWith(marker));
    }

    [Fact]
    public async Task DisposeAsync_Twice_SecondCallDoesNothing()
    {
        var gateway = await GatewayProcess.StartAsync(RepoPaths.GatewayDll, ["--EdgeSplit:Edge:IntraOpThreads=1"], TimeSpan.FromSeconds(60));

        await gateway.DisposeAsync();
        await gateway.DisposeAsync();

        Assert.False(gateway.IsRunning);
    }

    private static List<string> ProcessesWith(string marker) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return string.Empty; // exited meanwhile
                }
                catch (UnauthorizedAccessException)
                {
                    return string.Empty;
                }
            })
            .Where(cmdline => cmdline.Contains(marker, StringComparison.Ordinal))];
}
