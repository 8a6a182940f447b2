namespace EdgeSplit.Functional.Tests.Deploy;

/// <summary>
/// The images' health probe (deploy/healthcheck, run by Docker's HEALTHCHECK) against a real edge process:
/// what compose and the Dockerfiles rely on, checked without a Docker daemon.
/// </summary>
public sealed class HealthCheckTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task HealthCheck_ReadyEdgeOverH2c_ExitZeroAndOneLine()
    {
        await using var gateway = await AgentHarness.StartGatewayAsync();

        foreach (var path in new[] { "/readyz", "/healthz" })
        {
            var url = new Uri(gateway.Address, path).ToString();
            var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.HealthCheckDll, _temp.Path, [url]);

            Assert.True(code == 0, $"exit {code}: {stdout}{stderr}");
            var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"200 {url}", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HealthCheck_NothingListening_ExitOneAndSaysWhy()
    {
        // A port that was free a moment ago: bound, read, released.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var url = $"http://127.0.0.1:{port}/readyz";

        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.HealthCheckDll, _temp.Path, [url]);

        Assert.Equal(1, code);
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"unhealthy {url}: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr);
    }
}
