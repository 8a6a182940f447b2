using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Tests.Router;

public sealed class RouterTests
{
    private const string Affinity = "x-edgesplit-affinity";

    [Fact]
    public async Task Router_TwoHealthyEdges_ReadyAndServesCorrectEmbeddingsFromBoth()
    {
        await using var a = await EdgeNode.StartAsync();
        await using var b = await EdgeNode.StartAsync();
        await using var router = await EdgeRouter.StartHealthyAsync(a.Address, b.Address);
        var expected = Requests.Local([Requests.Texts[0]])[0];

        var calls = Enumerable.Range(0, 40).Select(i => router.Client.InferAsync(Requests.For([Requests.Texts[0]], 3, id: $"r{i}")).ResponseAsync);
        var replies = await Task.WhenAll(calls).WaitAsync(EdgeNode.Timeout);

        Assert.All(replies, r => Assert.True(Requests.Cosine(expected, r.Embeddings[0].Values) >= 0.9999));
        Assert.True(a.Load.Computed > 0, "edge A got no traffic");
        Assert.True(b.Load.Computed > 0, "edge B got no traffic");
        Assert.Equal(40, a.Load.Computed + b.Load.Computed);
    }

    [Fact]
    public async Task Router_StreamThroughProxy_AnswersEveryRequest()
    {
        await using var edge = await EdgeNode.StartAsync();
        await using var router = await EdgeRouter.StartHealthyAsync(edge.Address);

        using var call = router.Client.InferStream();
        for (var i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(Requests.For([Requests.Texts[i % Requests.Texts.Length]], 2, Encoding.F16, $"s{i}"));
        }

        await call.RequestStream.CompleteAsync();
        var ids = new HashSet<string>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync().WithCancellation(new CancellationTokenSource(EdgeNode.Timeout).Token))
        {
            Assert.Equal(StreamReply.ResultOneofCase.Reply, reply.ResultCase);
            ids.Add(reply.RequestId);
        }

        Assert.Equal(20, ids.Count);
    }

    [Fact]
    public async Task Router_EdgeStops_ReadinessDropsAndTrafficMovesToTheHealthyEdge()
    {
        await using var survivor = await EdgeNode.StartAsync();
        var victim = await EdgeNode.StartAsync();
        await using var router = await EdgeRouter.StartHealthyAsync(survivor.Address, victim.Address);

        await victim.DisposeAsync();
        await router.WaitForHealthyAsync(1);
        var before = survivor.Load.Computed;
        for (var i = 0; i < 10; i++)
        {
            var reply = await router.Client.InferAsync(Requests.For([Requests.Texts[1]], 4)).ResponseAsync.WaitAsync(EdgeNode.Timeout);
            Assert.Single(reply.Embeddings);
        }

        Assert.Equal(before + 10, survivor.Load.Computed);
        Assert.StartsWith("1/2", await router.Http.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task Router_NoEdgeAlive_NotReadyAndCallsFailUnavailable()
    {
        var edge = await EdgeNode.StartAsync();
        var address = edge.Address;
        await edge.DisposeAsync();
        await using var router = await EdgeRouter.StartAsync([address]);
        await EdgeRouter.WaitForActiveHealthAsync(router, Yarp.ReverseProxy.Model.DestinationHealth.Unhealthy); // a probe ran and failed

        using var ready = await router.Http.GetAsync("/readyz");
        var error = await Assert.ThrowsAsync<RpcException>(() => router.Client.InferAsync(Requests.For([Requests.Texts[0]], 3)).ResponseAsync.WaitAsync(EdgeNode.Timeout));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Router_AffinityKeyEchoed_DeviceStaysOnOneEdge()
    {
        await using var a = await EdgeNode.StartAsync();
        await using var b = await EdgeNode.StartAsync();
        await using var router = await EdgeRouter.StartHealthyAsync(a.Address, b.Address);

        using var first = router.Client.InferAsync(Requests.For([Requests.Texts[0]], 3));
        var key = (await first.ResponseHeadersAsync).GetValue(Affinity);
        await first.ResponseAsync;
        Assert.False(string.IsNullOrEmpty(key), "the router must hand out an affinity key");
        var (aBefore, bBefore) = (a.Load.Computed, b.Load.Computed);
        for (var i = 0; i < 20; i++)
        {
            await router.Client.InferAsync(Requests.For([Requests.Texts[0]], 3), new Metadata { { Affinity, key! } }).ResponseAsync.WaitAsync(EdgeNode.Timeout);
        }

        var (aGot, bGot) = (a.Load.Computed - aBefore, b.Load.Computed - bBefore);
        Assert.True((aGot, bGot) is (20, 0) or (0, 20), $"affinity broken: A got {aGot}, B got {bGot}");
    }

    [Fact]
    public async Task Transport_ThroughRouter_KeepsTheDeviceOnOneEdgeAndMovesItWhenThatEdgeDies()
    {
        var a = await EdgeNode.StartAsync();
        var b = await EdgeNode.StartAsync();
        await using var router = await EdgeRouter.StartHealthyAsync(a.Address, b.Address);
        await using var transport = new EdgeSplit.DeviceAgent.Edge.GrpcEdgeTransport(router.Address, deviceId: "phone-1");
        var model = Requests.Model;
        var tokens = model.Tokenize([Requests.Texts[2]]);
        var request = new EdgeSplit.DeviceAgent.Edge.EdgeRequest("x", 3, null, model.RunHead(tokens, 3), EdgeSplit.DeviceAgent.Edge.WireEncoding.F16);
        for (var i = 0; i < 10; i++)
        {
            await transport.InferAsync(request, CancellationToken.None).WaitAsync(EdgeNode.Timeout);
        }

        var (home, other) = a.Load.Computed == 10 ? (a, b) : (b, a);
        Assert.Equal(10, home.Load.Computed);
        // All ten on one edge: the transport kept the affinity key the router handed out.
        Assert.Equal(0, other.Load.Computed);

        await home.DisposeAsync();
        await router.WaitForHealthyAsync(1);
        for (var i = 0; i < 5; i++)
        {
            await transport.InferAsync(request, CancellationToken.None).WaitAsync(EdgeNode.Timeout);
        }

        Assert.Equal(5, other.Load.Computed);
        await other.DisposeAsync();
    }

    [Fact]
    public async Task Router_ManifestThroughRouter_ReportsTheEdgesModel()
    {
        await using var edge = await EdgeNode.StartAsync();
        await using var router = await EdgeRouter.StartHealthyAsync(edge.Address);

        var manifest = await router.Client.GetManifestAsync(new ManifestRequest()).ResponseAsync.WaitAsync(EdgeNode.Timeout);

        Assert.Equal(Requests.Model.ModelHash, manifest.ModelHash);
        Assert.Equal(8, manifest.Stages.Count);
    }

    [Theory]
    [InlineData("--EdgeSplit:Router:HealthPath=readyz", "must start with '/'")]
    [InlineData("--EdgeSplit:Router:Edges:0=not a url", "is not an http:// or https:// URL")]
    [InlineData("--EdgeSplit:Router:LoadBalancingPolicy=Fastest", "is not one of")]
    public void Router_BadConfiguration_FailsAtStartNamingTheKey(string setting, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            GatewayApp.Build(["--urls", "http://127.0.0.1:0", "--EdgeSplit:Role=Router", "--EdgeSplit:Router:ResolveDns=false", setting]));

        Assert.Contains(expected, error.Message);
    }
}
