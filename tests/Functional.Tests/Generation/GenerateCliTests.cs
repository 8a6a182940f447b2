namespace EdgeSplit.Functional.Tests.Generation;

/// <summary>The generate command as a user runs it: a real device-agent process, with and without a real edge process.</summary>
[Collection(AgentProcesses.Name)]
public sealed class GenerateCliTests(GenerationHarness harness) : IClassFixture<GenerationHarness>
{
    [Fact]
    public async Task Generate_JsonSplitOnEdge_SameTokensAsLocalWithSummary()
    {
        await using var edge = await harness.StartEdgeAsync();
        var cache = Path.Combine(Path.GetTempPath(), "edgesplit-ft-cache");

        var local = await CliRun.DeviceAgentAsync(cache, "generate", "--model", harness.ModelDirectory, "--split", "local", "--max-new-tokens", "16", "--json", GenerationHarness.Prompt);
        var split = await CliRun.DeviceAgentAsync(cache, "generate", "--model", harness.ModelDirectory, "--edge", edge.Address.ToString(), "--split", "2", "--max-new-tokens", "16", "--json", GenerationHarness.Prompt);

        Assert.True(local.ExitCode == 0, local.Stderr);
        Assert.True(split.ExitCode == 0, split.Stderr);
        var localLines = Lines(local.Stdout);
        var splitLines = Lines(split.Stdout);
        Assert.Equal(17, splitLines.Count);
        Assert.Equal(
            localLines.Take(16).Select(l => l.GetProperty("token").GetInt32()),
            splitLines.Take(16).Select(l => l.GetProperty("token").GetInt32()));
        Assert.Equal(harness.Expected.Take(16), splitLines.Take(16).Select(l => l.GetProperty("token").GetInt32()));
        Assert.All(splitLines.Take(16), l => Assert.Equal("edge", l.GetProperty("route").GetString()));
        Assert.All(splitLines.Take(16), l => Assert.True(l.GetProperty("ms").GetDouble() >= 0));
        var summary = splitLines[^1].GetProperty("summary");
        Assert.Equal(16, summary.GetProperty("tokens").GetInt32());
        Assert.True(summary.GetProperty("timeToFirstTokenMs").GetDouble() > 0);
        Assert.True(summary.GetProperty("tokensPerSecond").GetDouble() > 0);
        Assert.Equal(16, summary.GetProperty("routes").GetProperty("edge").GetInt32());
    }

    [Fact]
    public async Task Generate_TextWithExplain_StreamsPromptAndTextAndPrintsThePlan()
    {
        var cache = Path.Combine(Path.GetTempPath(), "edgesplit-ft-cache");

        var run = await CliRun.DeviceAgentAsync(cache, "generate", "--model", harness.ModelDirectory, "--split", "auto", "--explain", "--max-new-tokens", "8", GenerationHarness.Prompt);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.StartsWith(GenerationHarness.Prompt, run.Stdout, StringComparison.Ordinal);
        Assert.Equal(harness.Model.Tokenizer.Decode(harness.Expected.Take(8)), run.Stdout.Trim()[GenerationHarness.Prompt.Length..]);
        Assert.Contains("no edge measured: everything on the device", run.Stderr);
        Assert.Contains("8 tokens", run.Stderr);
    }

    [Fact]
    public async Task Generate_AutoWithNothingAtTheEdgeAddress_WarnsAndGeneratesOnTheDevice()
    {
        var cache = Path.Combine(Path.GetTempPath(), "edgesplit-ft-cache");

        var run = await CliRun.DeviceAgentAsync(cache, "generate", "--model", harness.ModelDirectory, "--edge", "http://127.0.0.1:1", "--split", "auto", "--max-new-tokens", "8", "--json", GenerationHarness.Prompt);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("warn: no edge measured (Unavailable: ", run.Stderr, StringComparison.Ordinal);
        var lines = Lines(run.Stdout);
        Assert.Equal(harness.Expected.Take(8), lines.Take(8).Select(l => l.GetProperty("token").GetInt32()));
        Assert.All(lines.Take(8), l => Assert.Equal("local", l.GetProperty("route").GetString()));
    }

    [Fact]
    public async Task Generate_SplitOutOfRange_ExitCode2NamingTheStages()
    {
        var run = await CliRun.DeviceAgentAsync(Path.GetTempPath(), "generate", "--model", harness.ModelDirectory, "--split", "9", GenerationHarness.Prompt);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--split 9 is out of range: this decoder has 4 stages", run.Stderr);
    }

    private static List<JsonElement> Lines(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
}
