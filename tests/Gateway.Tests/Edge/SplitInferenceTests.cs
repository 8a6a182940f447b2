namespace EdgeSplit.Gateway.Tests.Edge;

public sealed class SplitInferenceTests(DefaultNodeFixture fixture) : IClassFixture<DefaultNodeFixture>
{
    private EdgeNode Node => fixture.Node;

    public static TheoryData<int, Encoding> Cuts()
    {
        var data = new TheoryData<int, Encoding> { { 0, Encoding.F32 } };
        for (var k = 1; k <= 7; k++)
        {
            data.Add(k, Encoding.F32);
            data.Add(k, Encoding.F16);
            data.Add(k, Encoding.I8);
            data.Add(k, Encoding.I4);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cuts))]
    public async Task Infer_EveryCutAndEncoding_MatchesLocalUnsplitEmbedding(int cut, Encoding encoding)
    {
        var expected = Requests.Local(Requests.Texts);

        var reply = await Node.Client.InferAsync(Requests.For(Requests.Texts, cut, encoding, "r1"), deadline: Deadline());

        // Floors from EncodingAccuracyTests, which measures each encoding over a wider corpus.
        var floor = encoding switch { Encoding.I8 => 0.999, Encoding.I4 => 0.98, _ => 0.9999 };
        Assert.Equal(Requests.Texts.Length, reply.Embeddings.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            var cosine = Requests.Cosine(expected[i], reply.Embeddings[i].Values);
            Assert.True(cosine >= floor, $"text {i} at cut {cut} in {encoding}: cosine {cosine:F6} < {floor}");
        }

        Assert.Equal("r1", reply.RequestId);
        Assert.Equal(Requests.Model.ModelHash, reply.ModelHash);
        Assert.Equal(cut, reply.Cut);
        Assert.Equal(Requests.Model.StageCount, reply.EndStage);
        Assert.True(reply.Timings.ComputeMs > 0);
        Assert.True(reply.Timings.TotalMs >= reply.Timings.ComputeMs);
        Assert.Equal(Requests.Model.StageCount, reply.Load.StageMsPerToken.Count);
        Assert.True(reply.Load.StageMsPerToken[^1] > 0, "the pooling stage ran, so its cost is known");
    }

    [Fact]
    public async Task Infer_ReturnHidden_MatchesLocalLastHiddenState()
    {
        var request = Requests.For(Requests.Texts, 3);
        request.ReturnHidden = true;
        var tokens = Requests.Model.Tokenize(Requests.Texts);
        var expected = Requests.Model.Run(tokens, null, 0, Requests.Model.StageCount - 1);

        var reply = await Node.Client.InferAsync(request, deadline: Deadline());

        Assert.Equal([tokens.Batch, tokens.Sequence, Requests.Model.HiddenSize], reply.LastHidden.Shape);
        var hidden = Contracts.Wire.ActivationCodec.Decode(reply.LastHidden, Requests.Model.HiddenSize, 8, 512);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - hidden[i]) < 1e-4, $"element {i}: {expected[i]} vs {hidden[i]}");
        }
    }

    [Fact]
    public async Task InferStream_ManyRequests_AnsweredByRequestId()
    {
        using var call = Node.Client.InferStream(deadline: Deadline());
        for (var i = 0; i < 6; i++)
        {
            await call.RequestStream.WriteAsync(Requests.For([Requests.Texts[i % 3]], 1 + (i % 6), Encoding.F16, $"id-{i}"));
        }

        await call.RequestStream.CompleteAsync();
        var replies = new Dictionary<string, StreamReply>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            replies.Add(reply.RequestId, reply);
        }

        Assert.Equal(6, replies.Count);
        for (var i = 0; i < 6; i++)
        {
            var reply = replies[$"id-{i}"];
            Assert.Equal(StreamReply.ResultOneofCase.Reply, reply.ResultCase);
            Assert.True(Requests.Cosine(Requests.Local([Requests.Texts[i % 3]])[0], reply.Reply.Embeddings[0].Values) >= 0.9999);
        }
    }

    [Fact]
    public async Task GetManifest_BundledModel_DescribesStagesLimitsAndLoad()
    {
        var manifest = await Node.Client.GetManifestAsync(new ManifestRequest(), deadline: Deadline());

        Assert.Equal(Requests.Model.ModelHash, manifest.ModelHash);
        Assert.Equal(Requests.Model.Manifest.Scheme, manifest.Scheme);
        Assert.Equal(384, manifest.HiddenSize);
        Assert.Equal(8, manifest.Stages.Count);
        Assert.Equal("embeddings", manifest.Stages[0].Kind);
        Assert.Equal("pooling", manifest.Stages[7].Kind);
        Assert.Equal([Encoding.F32, Encoding.F16, Encoding.I8, Encoding.I4], manifest.Encodings);
        Assert.True(manifest.AcceptsTokenIds);
        Assert.Equal(256, manifest.Limits.MaxSequence);
        Assert.Equal(2.0, manifest.Limits.BatchWindowMs);
        Assert.NotNull(manifest.Load);
    }

    [Fact]
    public async Task Infer_ModelHashMismatch_FailedPreconditionNamingBothHashes()
    {
        var request = Requests.For(["hi"], 2);
        request.ModelHash = new string('a', 64);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Node.Client.InferAsync(request, deadline: Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains(new string('a', 64), ex.Status.Detail);
        Assert.Contains(Requests.Model.ModelHash, ex.Status.Detail);
    }

    [Fact]
    public async Task Infer_SchemeMismatch_FailedPrecondition()
    {
        var request = Requests.For(["hi"], 2);
        request.Scheme = "edgesplit-stages-v0";

        var ex = await Assert.ThrowsAsync<RpcException>(() => Node.Client.InferAsync(request, deadline: Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("edgesplit-stages-v0", ex.Status.Detail);
    }

    internal static DateTime Deadline() => DateTime.UtcNow + EdgeNode.Timeout;
}
