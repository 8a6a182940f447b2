namespace EdgeSplit.Functional.Tests.Deploy;

/// <summary>The gateway executable refusing settings it cannot run with, as an operator sees it.</summary>
public sealed class GatewaySettingsTests
{
    [Fact]
    public async Task Start_OneBadSetting_OneErrorLineNamingTheKeyExitCode1()
    {
        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.GatewayDll, Path.GetTempPath(),
            ["--urls", "http://127.0.0.1:0", "--EdgeSplit:Limits:Tiers:bulk:Burst=-4"]);

        Assert.Equal(1, code);
        Assert.Contains("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains("EdgeSplit:Limits:Tiers:bulk:Burst must be between 0 and 1000000.", stderr, StringComparison.Ordinal);
        // The host's own log (stdout) has no start-failure entry and no stack trace either.
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BadSettingsInTwoSections_AnErrorLineForEach()
    {
        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.GatewayDll, Path.GetTempPath(),
            ["--urls", "http://127.0.0.1:0", "--EdgeSplit:Limits:MaxConcurrentCalls=0", "--EdgeSplit:Generation:MaxBatchSessions=0"]);

        Assert.Equal(1, code);
        var errors = stderr.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(errors, l => l.Contains("EdgeSplit:Limits:MaxConcurrentCalls", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("MaxBatchSessions", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }
}
