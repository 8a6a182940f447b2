namespace EdgeSplit.Functional.Tests.Hostile;

/// <summary>
/// The hostile-client soak (src/Bench <c>soak</c>) in short: a real edge process, a normal device alone, then beside one
/// attacker, then alone again, a few seconds each. The edge's resident memory must stay within the documented bound
/// (docs/security.md) and the normal device must get every answer. The documented run is 60 s per attacker.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed class SoakTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    /// <summary>docs/security.md: an edge at the default limits grows by at most this much while one client misbehaves.</summary>
    private const double RssBoundMb = 768;

    [Theory]
    [InlineData("slow-reader")]
    [InlineData("extreme")]
    [InlineData("malformed")]
    [InlineData("flood")]
    public async Task Soak_OneAttackerForSeconds_RssWithinTheBoundAndTheNormalDeviceGetsEveryAnswer(string attacker)
    {
        var json = temp.Combine($"soak-{attacker}.json");

        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.BenchDll, temp.Combine("cache"), ["soak", "--attacker", attacker, "--seconds", "4", "--json", json]);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var result = Assert.Single(results.RootElement.EnumerateArray());
        double Mb(string name) => result.GetProperty(name).GetDouble();
        Assert.True(Mb("RssPeakMb") - Mb("RssStartMb") < RssBoundMb, stdout);
        Assert.Equal(0, result.GetProperty("NormalFailed").GetInt32());
        Assert.True(result.GetProperty("NormalAnsweredAttacked").GetInt32() > 0, stdout);
        Assert.True(result.GetProperty("AttackerCalls").GetInt64() > 0, $"the attacker hardly ran: {stdout}");
    }
}
