namespace EdgeSplit.Functional.Tests.DeviceAgent;

/// <summary>
/// Device tokens as an operator uses them: <c>token keygen/issue/revoke</c> on the gateway CLI, an edge that requires
/// tokens, and the device CLI reading its token from <c>EDGESPLIT_DEVICE_TOKEN</c> — then the token revoked mid-run.
/// </summary>
[Collection(AgentProcesses.Name)]
public sealed class DeviceTokenTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    [Fact]
    public async Task Embed_TokenFromEnvironmentRevokedMidRun_EdgeServesThenEveryLaterLineRunsOnTheDevice()
    {
        var cache = temp.Combine("cache");
        var (code, key, error) = await CliRun.RunAsync(RepoPaths.GatewayDll, cache, ["token", "keygen"]);
        Assert.True(code == 0, error);
        var keyFile = temp.Combine("signing.key");
        await File.WriteAllTextAsync(keyFile, key);
        (code, var token, error) = await CliRun.RunAsync(RepoPaths.GatewayDll, cache, ["token", "issue", "--device", "phone-7", "--tier", "standard", "--days", "1", "--key-file", keyFile]);
        Assert.True(code == 0, error);
        var jti = Regex.Match(error, @"jti (\S+),").Groups[1].Value;
        Assert.NotEmpty(jti);
        var revoked = temp.Combine("revoked.txt");
        await File.WriteAllTextAsync(revoked, "");
        await using var edge = await GatewayProcess.StartAsync(RepoPaths.GatewayDll,
            ["--EdgeSplit:Edge:IntraOpThreads=1", $"--EdgeSplit:Auth:SigningKeyFile={keyFile}", $"--EdgeSplit:Auth:RevocationFile={revoked}", "--EdgeSplit:Auth:RevocationPollSeconds=1"],
            AgentHarness.Timeout, name: "edge with tokens");

        // No token in the environment: the edge refuses the device, which answers on its own and says why on stderr.
        var (plainCode, plainOut, plainErr) = await CliRun.DeviceAgentAsync(cache, "embed", "--edge", edge.Address.ToString(), "--split", "3", "--json", "play something calm");
        Assert.True(plainCode == 0, plainErr);
        Assert.DoesNotContain("\"route\":\"edge\"", plainOut, StringComparison.Ordinal);
        Assert.Contains("warn: EdgeClient: Edge refused this device's credentials at start (Unauthenticated", plainErr, StringComparison.Ordinal);

        // With EDGESPLIT_DEVICE_TOKEN the edge serves; once it has served five lines the token is revoked.
        var file = temp.Combine("lines.txt");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 80).Select(i => $"{AgentHarness.Texts[i % AgentHarness.Texts.Length]} ({i})"));
        var edgeAnswers = 0;
        Task<(int, string, string)>? revoke = null;
        var (runCode, stdout, stderr) = await CliRun.DeviceAgentStreamingAsync(cache, new Dictionary<string, string> { ["EDGESPLIT_DEVICE_TOKEN"] = token.Trim() }, line =>
        {
            edgeAnswers += line.Contains("\"route\":\"edge\"", StringComparison.Ordinal) ? 1 : 0;
            if (edgeAnswers >= 5 && revoke is null)
            {
                revoke = CliRun.RunAsync(RepoPaths.GatewayDll, cache, ["token", "revoke", "--jti", jti, "--file", revoked]);
            }
        }, "embed", "--edge", edge.Address.ToString(), "--split", "3", "--json", "--file", file, "--interval-ms", "100");

        Assert.True(runCode == 0, stderr);
        Assert.NotNull(revoke);
        var (revokeCode, revokeOut, revokeErr) = await revoke;
        Assert.True(revokeCode == 0, revokeErr);
        Assert.Contains($"revoked {jti}", revokeOut, StringComparison.Ordinal);
        var routes = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            using var json = JsonDocument.Parse(l);
            Assert.Equal(384, json.RootElement.GetProperty("embedding").GetArrayLength());
            return json.RootElement.GetProperty("route").GetString();
        }).ToList();
        Assert.Equal(80, routes.Count);
        Assert.True(routes.Count(r => r == "edge") >= 5, string.Join(',', routes)); // (the first lines may run locally while the agent connects)

        // The revocation takes the CLI's start plus one poll (1 s) to reach the edge; the last 20 lines (2 s) come
        // well after, and none of them is answered by the edge.
        Assert.True(routes.TakeLast(20).All(r => r is "local" or "fallback"), string.Join(',', routes));
        Assert.Contains("errors 0", stderr, StringComparison.Ordinal);
    }
}
