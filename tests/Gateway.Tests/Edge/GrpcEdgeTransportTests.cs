namespace EdgeSplit.Gateway.Tests.Edge;

public sealed class GrpcEdgeTransportTests(DefaultNodeFixture fixture) : IClassFixture<DefaultNodeFixture>
{
    [Theory]
    [InlineData(0, WireEncoding.F32)]
    [InlineData(3, WireEncoding.F16)]
    [InlineData(5, WireEncoding.I8)]
    [InlineData(4, WireEncoding.I4)]
    public async Task InferAsync_FixedCut_MatchesLocalEmbedding(int cut, WireEncoding encoding)
    {
        await using var transport = new GrpcEdgeTransport(fixture.Node.Address);
        var model = Requests.Model;
        var tokens = model.Tokenize(Requests.Texts);
        var request = cut == 0
            ? new EdgeRequest("t", 0, tokens, null, encoding)
            : new EdgeRequest("t", cut, null, model.RunHead(tokens, cut), encoding);

        var info = await transport.GetManifestAsync(CancellationToken.None);
        var answer = await transport.InferAsync(request, CancellationToken.None);

        Assert.Equal(model.ModelHash, info.ModelHash);
        Assert.Equal(8, info.StageCount);
        Assert.Contains(WireEncoding.I4, info.Encodings);
        Assert.Equal(model.ModelHash, answer.ModelHash);
        var expected = Requests.Local(Requests.Texts);
        for (var i = 0; i < expected.Length; i++)
        {
            // int4's floor is EncodingAccuracyTests' measured one; the others keep 0.999.
            Assert.True(Requests.Cosine(expected[i], answer.Embeddings[i]) >= (encoding == WireEncoding.I4 ? 0.98 : 0.999));
        }
    }

    [Fact]
    public async Task InferAsync_QueueFull_EdgeExceptionWithRetryAfter()
    {
        // 1000 ms, the longest window allowed: "b" must arrive while "a" still waits, even on a busy machine.
        await using var node = await EdgeNode.StartAsync(EdgeNode.Holding(1000, o => o.MaxQueue = 1));
        await using var transport = new GrpcEdgeTransport(node.Address);
        var model = Requests.Model;
        var tokens = model.Tokenize(["queued"]);
        var first = transport.InferAsync(new EdgeRequest("a", 2, null, model.RunHead(tokens, 2), WireEncoding.F32), CancellationToken.None);
        await AdmissionTests.WaitUntil(() => node.Load.Computed == 0 && node.App.Services.GetService(typeof(Gateway.Edge.MicroBatcher)) is Gateway.Edge.MicroBatcher { QueueDepth: 1 });

        var ex = await Assert.ThrowsAsync<EdgeException>(() => transport.InferAsync(new EdgeRequest("b", 2, null, model.RunHead(tokens, 2), WireEncoding.F32), CancellationToken.None));
        await first;

        Assert.Equal(StatusCode.ResourceExhausted, ex.Status);
        Assert.NotNull(ex.RetryAfter);
        Assert.True(ex.RetryAfter >= TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public async Task GetManifestAsync_NoNode_EdgeExceptionUnavailable()
    {
        await using var transport = new GrpcEdgeTransport(new Uri("http://127.0.0.1:1"));

        var ex = await Assert.ThrowsAsync<EdgeException>(() => transport.GetManifestAsync(CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, ex.Status);
    }
}
