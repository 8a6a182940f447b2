namespace EdgeSplit.Functional.Tests.DeviceAgent;

/// <summary><c>embed --edge</c> as a user runs it: the agent CLI and the gateway as two real processes.</summary>
[Collection(AgentProcesses.Name)]
public sealed class EmbedEdgeCliTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    [Fact]
    public async Task Embed_AutoWithExplain_JsonRouteAndCostTable()
    {
        await using var gateway = await AgentHarness.StartGatewayAsync();

        var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(temp.Combine("cache"),
            "embed", "--edge", gateway.Address.ToString(), "--split", "auto", "--json", "--explain", "--device-slowdown", "6", "first text", "second text");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Contains(json.RootElement.GetProperty("route").GetString(), new[] { "edge", "local", "fallback" });
            Assert.Equal(384, json.RootElement.GetProperty("embedding").GetArrayLength());
            Assert.True(json.RootElement.GetProperty("predictedMs").GetDouble() > 0);
            var spend = json.RootElement.GetProperty("spend");
            Assert.True(spend.GetProperty("energyMj").GetDouble() > 0);
            Assert.True(spend.GetProperty("localMj").GetDouble() > 0);
            Assert.Equal(json.RootElement.GetProperty("route").GetString() == "local", spend.GetProperty("bytesUp").GetInt64() == 0);
        }

        Assert.Contains("\"route\":\"edge\"", stdout, StringComparison.Ordinal); // a device 6x slower than the edge offloads

        // --explain goes to stderr under --json: one row per cut 1..8 and the actual latency, per text.
        Assert.Equal(2, stderr.Split('\n').Count(l => l.Contains("actual", StringComparison.Ordinal) && l.Contains("chose cut", StringComparison.Ordinal)));
        Assert.Contains("  cut enc", stderr);
    }

    [Fact]
    public async Task Embed_FileThroughEdgeOutage_EveryLineAnsweredExitZero()
    {
        await using var gateway = await AgentHarness.StartGatewayAsync();
        var file = temp.Combine("lines.txt");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 60).Select(i => $"{AgentHarness.Texts[i % AgentHarness.Texts.Length]} ({i})"));

        // A fixed cut, so every line goes to the edge while it lives (with auto the planner may judge a line cheaper on
        // this machine and keep it local); once the edge has answered a few lines, kill it: the lines after are
        // answered on the device.
        var printed = 0;
        var killedAfter = -1;
        var edgeAnswers = 0;
        var (code, stdout, stderr) = await CliRun.DeviceAgentStreamingAsync(temp.Combine("cache"), null, line =>
        {
            printed++;
            edgeAnswers += line.Contains("\"route\":\"edge\"", StringComparison.Ordinal) ? 1 : 0;
            if (killedAfter < 0 && edgeAnswers >= 3)
            {
                gateway.Kill();
                killedAfter = printed;
            }
        }, "embed", "--edge", gateway.Address.ToString(), "--split", "3", "--json", "--file", file, "--interval-ms", "40");

        Assert.True(code == 0, stderr);
        var routes = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l =>
            {
                using var json = JsonDocument.Parse(l);
                Assert.Equal(384, json.RootElement.GetProperty("embedding").GetArrayLength());
                return json.RootElement.GetProperty("route").GetString();
            })
            .ToList();
        Assert.Equal(60, routes.Count);
        Assert.True(killedAfter is > 0 and < 40, $"the edge answered {edgeAnswers} lines; killed after line {killedAfter}: {string.Join(',', routes)}");

        // Before the kill the edge served; after it (one line may have been in flight) nothing is answered by the edge.
        Assert.All(routes.Skip(killedAfter + 1), r => Assert.True(r is "local" or "fallback", $"after the kill at line {killedAfter}: {string.Join(',', routes)}"));
        Assert.Equal("local", routes[^1]);
        Assert.Contains("60 requests:", stderr);
        Assert.Contains("errors 0", stderr);
    }

    [Fact]
    public async Task Embed_ObjectiveEnergy_OffloadsOnWifiStaysLocalOn3G()
    {
        // The same 20x-slow device and edge: on Wi-Fi offloading saves the phone's energy; on 3G one offload costs the
        // radio's high-power tail (seconds at ~1 W), more than computing the whole model, so every request stays local.
        // 20x puts the all-local energy (about 300 mJ here) far from both radios' costs (Wi-Fi about 30 mJ, 3G about
        // 6,500 mJ) on any machine; at 6x a fast machine's local energy (about 45 mJ) comes within the Wi-Fi radio's
        // reach and the cold planner first keeps the phone local.
        await using var gateway = await AgentHarness.StartGatewayAsync();
        string[] texts = ["set an alarm for six thirty tomorrow morning", "what is the weather going to be like in lisbon this weekend"];

        async Task<List<JsonElement>> EmbedAsync(string radio)
        {
            var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(temp.Combine("cache"),
                ["embed", "--edge", gateway.Address.ToString(), "--split", "auto", "--objective", "energy", "--radio", radio, "--device-slowdown", "20", "--json", .. texts]);
            Assert.True(code == 0, stderr);
            return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(e => e.TryGetProperty("text", out _))];
        }

        var wifi = await EmbedAsync("wifi");
        var threeG = await EmbedAsync("3g");

        Assert.Equal(2, wifi.Count);
        Assert.Contains(wifi, e => e.GetProperty("route").GetString() == "edge" && e.GetProperty("spend").GetProperty("savedMj").GetDouble() > 0);
        Assert.Equal(2, threeG.Count);
        Assert.All(threeG, e => Assert.Equal("local", e.GetProperty("route").GetString()));
        Assert.All(wifi.Concat(threeG), e => Assert.Equal("lowest predicted device energy", e.GetProperty("reason").GetString()));
    }
}
