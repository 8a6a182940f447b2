namespace EdgeSplit.Functional.Tests.Cli;

/// <summary>
/// samples/EmbedSample as an app team would run it: built by samples/pack.sh from the packed EdgeSplit.DeviceAgent and
/// EdgeSplit.Contracts packages only (CI runs pack.sh before the tests), embedding one sentence on the device, as the
/// planner chooses and at a fixed cut through a real edge process. On the shared runtime, trimmed and self-contained
/// (as an Android build trims an app) and compiled with NativeAOT (as iOS needs ahead-of-time code): the manifest,
/// the options, ONNX Runtime, gRPC and protobuf must all work without the reflection trimming removes.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed partial class EmbedSampleTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    [Theory]
    [InlineData("Release/net10.0/EmbedSample.dll")]
    [InlineData("trimmed/EmbedSample")]
    [InlineData("aot/EmbedSample")]
    public async Task EmbedSample_FromThePackedPackages_EmbedsLocallyAndThroughAnEdgeTheSameVector(string build)
    {
        var sample = Path.Combine(RepoPaths.Root, "samples", "EmbedSample", "bin", build);
        Requires.That(File.Exists(sample), $"samples/pack.sh has not built the sample ({sample} is missing)");
        await using var edge = await GatewayProcess.StartAsync(RepoPaths.GatewayDll, ["--EdgeSplit:Edge:IntraOpThreads=1"], AgentHarness.Timeout, name: "edge");

        var (code, stdout, stderr) = await CliRun.RunAsync(sample, temp.Combine("cache"), [edge.Address.ToString()]);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Matches(@"local: 384 floats in [\d.]+ ms", stdout);
        var lines = ResultLine().Matches(stdout).ToDictionary(m => m.Groups["name"].Value);
        Assert.True(lines.Count == 2, stdout);
        Assert.All(lines.Values, m => Assert.True(double.Parse(m.Groups["cosine"].Value, CultureInfo.InvariantCulture) > 0.999, stdout));
        // A fixed cut to a healthy edge is answered by the edge: the activation went out and the reply came back.
        Assert.True(lines["cut 3"].Groups["route"].Value == "edge", stdout);
    }

    [GeneratedRegex(@"(?<name>auto|cut 3): route (?<route>edge|local|fallback), cut \d+, [\d.]+ ms, cosine to local (?<cosine>[\d.]+)")]
    private static partial Regex ResultLine();
}
