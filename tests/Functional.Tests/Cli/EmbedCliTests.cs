using EdgeSplit.Inference.Models;

namespace EdgeSplit.Functional.Tests.Cli;

/// <summary>The device agent's executable, run as a real process: output format, exit codes and one-line errors.</summary>
public sealed class EmbedCliTests : IClassFixture<TempDirectory>
{
    private readonly TempDirectory _temp;

    public EmbedCliTests(TempDirectory temp) => _temp = temp;

    private string Cache => _temp.Combine("cache");

    [Fact]
    public async Task Embed_LocalJson_PrintsOneObjectPerTextWith384Floats()
    {
        var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(Cache, "embed", "--json", "first text", "second text");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("first text", first.RootElement.GetProperty("text").GetString());
        Assert.Equal(384, first.RootElement.GetProperty("embedding").GetArrayLength());
        Assert.Equal(8, first.RootElement.GetProperty("split").GetInt32());
        Assert.Equal("local", first.RootElement.GetProperty("route").GetString());
        Assert.True(first.RootElement.GetProperty("latencyMs").GetDouble() > 0);
    }

    [Fact]
    public async Task Embed_JsonSplitOnTheDevice_SpendPerResultAndTotalOnStderr()
    {
        var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(Cache, "embed", "--json", "--split", "3", "--radio", "lte", "first text", "a second, somewhat longer text");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var energy = 0.0;
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var spend = json.RootElement.GetProperty("spend");
            // No edge: both halves ran here, so the request cost exactly its all-local counterfactual.
            Assert.True(spend.GetProperty("headMs").GetDouble() > 0, line);
            Assert.True(spend.GetProperty("tailMs").GetDouble() > 0, line);
            Assert.Equal(0, spend.GetProperty("bytesUp").GetInt64());
            Assert.Equal(0, spend.GetProperty("bytesDown").GetInt64());
            Assert.Equal(0, spend.GetProperty("radioMj").GetDouble());
            var mj = spend.GetProperty("energyMj").GetDouble();
            Assert.True(mj > 0, line);
            Assert.Equal(mj, spend.GetProperty("localMj").GetDouble());
            Assert.Equal(0, spend.GetProperty("savedMj").GetDouble());
            // 2 W of compute: mJ = 2 x ms (each rounded to 3 decimals).
            Assert.Equal(2 * (spend.GetProperty("headMs").GetDouble() + spend.GetProperty("tailMs").GetDouble()), mj, 1);
            energy += mj;
        }

        using var total = JsonDocument.Parse(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(2, total.RootElement.GetProperty("requests").GetInt32());
        Assert.Equal(2, total.RootElement.GetProperty("routes").GetProperty("local").GetInt32());
        Assert.Equal(energy, total.RootElement.GetProperty("spend").GetProperty("energyMj").GetDouble(), 1);
    }

    [Theory]
    [InlineData("--radio", "4g", "wifi, 5g, lte, 3g, none")] // an unknown radio: the error names the valid ones
    [InlineData("--split", "42", "out of range")]
    public async Task Embed_BadOptionValue_ExitCode2AndOneLineErrorSayingWhy(string option, string value, string expected)
    {
        var (code, _, stderr) = await CliRun.DeviceAgentAsync(Cache, "embed", option, value, "hello");

        Assert.Equal(2, code);
        AssertOneLineError(stderr, expected);
    }

    [Fact]
    public async Task Embed_FixedSplit_SameEmbeddingAsLocal()
    {
        const string text = "Phones run the first layers and the edge runs the rest.";
        var local = await EmbeddingAsync("--split", "local", text);

        foreach (var cut in new[] { "0", "3", "7" })
        {
            var split = await EmbeddingAsync("--split", cut, text);
            Assert.True(Vectors.Cosine(local, split) >= 0.99999, $"cut {cut}");
        }
    }

    [Fact]
    public async Task Embed_ForcedSplitToHealthyEdge_EveryRequestAnsweredByTheEdge()
    {
        // A forced cut to a healthy edge is the edge's work: the phone runs the head, waits on the node's promise,
        // and never computes the tail it offloaded.
        await using var edge = await EdgeSplit.Scenarios.Processes.GatewayProcess.StartAsync(RepoPaths.GatewayDll, ["--EdgeSplit:Edge:IntraOpThreads=1"], TimeSpan.FromSeconds(60));
        string[] texts = [.. Enumerable.Range(0, 8).Select(i => $"request {i}: phones run the first layers and the edge runs the rest.")];

        var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(Cache, ["embed", "--json", "--edge", edge.Address.ToString(), "--split", "3", .. texts]);

        Assert.True(code == 0, stderr);
        var routes = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(json => (Route: json.GetProperty("route").GetString(), Split: json.GetProperty("split").GetInt32()))
            .ToList();
        Assert.Equal(8, routes.Count);
        Assert.All(routes, r => Assert.Equal(("edge", 3), r));
    }

    [Fact]
    public async Task Embed_ArcticUserModel_WorksThroughModelAndVocabOptions()
    {
        var (model, vocab) = ArcticModel.ExtractTo(_temp.Combine("arctic"));
        const string text = "A user-supplied encoder is cut the same way.";

        var arctic = await EmbeddingAsync("--model", model, "--vocab", vocab, "--pooling", "cls", "--split", "4", text);
        var arcticLocal = await EmbeddingAsync("--model", model, "--vocab", vocab, "--pooling", "cls", text);
        var miniLm = await EmbeddingAsync(text);

        Assert.True(Vectors.Cosine(arctic, arcticLocal) >= 0.99999);
        Assert.True(Vectors.Cosine(arctic, miniLm) < 0.9, "a different model must give a different embedding");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Embed_EmptyText_OneLineErrorAndExitCode2(string text)
    {
        var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(Cache, "embed", text);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        AssertOneLineError(stderr, "text is empty");
    }

    [Fact]
    public async Task Embed_NotAnOnnxModel_OneLineError()
    {
        var notModel = _temp.Combine("notes.onnx");
        await File.WriteAllTextAsync(notModel, "definitely not protobuf \u0001\u0002\u00ff");
        var vocab = _temp.Combine("vocab-for-notes.txt");
        await File.WriteAllBytesAsync(vocab, ModelSource.Bundled().VocabBytes);

        await AssertModelRefusedAsync(notModel, vocab, "is not an ONNX model");
    }

    [Fact]
    public async Task Embed_MissingModelFile_OneLineErrorNamingIt()
    {
        var missing = _temp.Combine("missing.onnx");

        await AssertModelRefusedAsync(missing, missing, "missing.onnx");
    }

    [Fact]
    public async Task Embed_VocabThatDoesNotFitModel_OneLineError()
    {
        var model = _temp.Combine("minilm.onnx");
        var vocab = _temp.Combine("big-vocab.txt");
        var bundled = ModelSource.Bundled();
        await File.WriteAllBytesAsync(model, bundled.ModelBytes);
        await File.WriteAllTextAsync(vocab, System.Text.Encoding.UTF8.GetString(bundled.VocabBytes) + string.Join('\n', Enumerable.Range(0, 100).Select(i => $"x{i}")));

        await AssertModelRefusedAsync(model, vocab, "does not belong");
    }

    [Fact]
    public async Task Partition_OutDirectory_WritesEveryStageAndManifest()
    {
        var output = _temp.Combine("segments");

        var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(Cache, "partition", "--out", output);

        Assert.True(code == 0, stderr);
        Assert.Contains("8 stages", stdout);
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "manifest.json")));
        Assert.Equal(64, manifest.RootElement.GetProperty("modelHash").GetString()!.Length);
        var stages = manifest.RootElement.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(8, stages.Count);
        Assert.All(stages, s => Assert.True(File.Exists(Path.Combine(output, s.GetProperty("file").GetString()!))));
        Assert.Equal("hidden_in", stages[3].GetProperty("inputs")[0].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("10")]
    public async Task Fleet_RampNotWithinDuration_OneLineErrorAndExitCode2(string ramp)
    {
        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.ScenariosDll, Cache, ["fleet", "--edge", "http://127.0.0.1:1", "--duration", "10", "--ramp", ramp]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        AssertOneLineError(stderr, "--ramp must be at least 0 and shorter than --duration");
    }

    [Theory]
    [InlineData("fleet", "wifi:0.5,satellite:0.5", "unknown link 'satellite'")]
    [InlineData("fleet", "wifi:0.5,lte", "give every link of a mix a share")]
    [InlineData("fleet", "wifi:-0.2", "the share of wifi must be a positive number")]
    [InlineData("outage", "wifi:0.5,satellite:0.5", "unknown link 'satellite'")]
    [InlineData("capacity", "wifi:-0.2", "the share of wifi must be a positive number")]
    public async Task Scenarios_BadLinks_OneLineErrorAndExitCode2BeforeAnythingStarts(string command, string links, string expected)
    {
        var unused = Path.Combine(Path.GetTempPath(), "edgesplit-unused");
        string[] args = command == "fleet"
            ? ["fleet", "--edge", "http://127.0.0.1:1", "--duration", "10", "--links", links]
            : [command, "--links", links, "--report", unused];
        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.ScenariosDll, Cache, args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        AssertOneLineError(stderr, expected);
    }

    [Theory]
    [InlineData("fleet", "9")]
    [InlineData("fleet", "local")]
    [InlineData("outage", "0")]
    public async Task Scenarios_SplitNotAutoOrACut_OneLineErrorAndExitCode2BeforeAnythingStarts(string command, string split)
    {
        string[] args = command == "fleet" ? ["fleet", "--edge", "http://127.0.0.1:1", "--split", split] : ["outage", "--split", split, "--report", Path.Combine(Path.GetTempPath(), "edgesplit-unused")];
        var (code, stdout, stderr) = await CliRun.RunAsync(RepoPaths.ScenariosDll, Cache, args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        AssertOneLineError(stderr, $"--split must be 'auto' or a cut between 1 and 8, not '{split}'");
    }

    [Fact]
    public async Task Fleet_LinksWithHttpsEdge_OneLineErrorAndExitCode2()
    {
        var (code, _, stderr) = await CliRun.RunAsync(RepoPaths.ScenariosDll, Cache, ["fleet", "--edge", "https://127.0.0.1:1", "--duration", "10", "--links", "lte"]);

        Assert.Equal(2, code);
        AssertOneLineError(stderr, "needs an http:// edge");
    }

    /// <summary>embed with a user <paramref name="model"/> and <paramref name="vocab"/> exits 1 with one line containing <paramref name="expected"/>.</summary>
    private async Task AssertModelRefusedAsync(string model, string vocab, string expected)
    {
        var (code, _, stderr) = await CliRun.DeviceAgentAsync(Cache, "embed", "--model", model, "--vocab", vocab, "hello");

        Assert.Equal(1, code);
        AssertOneLineError(stderr, expected);
    }

    private static void AssertOneLineError(string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got: {stderr}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", stderr);
    }

    private async Task<float[]> EmbeddingAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliRun.DeviceAgentAsync(Cache, ["embed", "--json", .. args]);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single());
        return json.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
    }
}
