namespace EdgeSplit.Functional.Tests.Cli;

/// <summary>
/// samples/EmbedSample as an app team would run it: built by samples/pack.sh from the packed EdgeSplit.DeviceAgent and
/// EdgeSplit.Contracts packages only (CI runs pack.sh before the tests), embedding one sentence on the device and
/// with a real edge process configured.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed partial class EmbedSampleTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    [Fact]
    public async Task EmbedSample_FromThePackedPackages_EmbedsLocallyAndWithAnEdgeTheSameVector()
    {
        var sample = Path.Combine(RepoPaths.Root, "samples", "EmbedSample", "bin", "Release", "net10.0", "EmbedSample.dll");
        Requires.That(File.Exists(sample), $"samples/pack.sh has not built the sample ({sample} is missing)");
        await using var edge = await GatewayProcess.StartAsync(RepoPaths.GatewayDll, ["--EdgeSplit:Edge:IntraOpThreads=1"], AgentHarness.Timeout, name: "edge");

        var (code, stdout, stderr) = await CliRun.RunAsync(sample, temp.Combine("cache"), [edge.Address.ToString()]);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Matches(@"local: 384 floats in [\d.]+ ms", stdout);
        var auto = AutoLine().Match(stdout);
        Assert.True(auto.Success, stdout);
        Assert.True(double.Parse(auto.Groups["cosine"].Value, CultureInfo.InvariantCulture) > 0.999, stdout);
    }

    [GeneratedRegex(@"auto:\s+route (?<route>edge|local|fallback), cut \d+, [\d.]+ ms, cosine to local (?<cosine>[\d.]+)")]
    private static partial Regex AutoLine();
}
