using EdgeSplit.Gateway.Router;

namespace EdgeSplit.Gateway.Tests.Security;

public sealed class RouterSecurityTests
{
    private static EdgeRequest Request()
    {
        var model = Requests.Model;
        var tokens = model.Tokenize([Requests.Texts[2]]);
        return new EdgeRequest("x", 3, null, model.RunHead(tokens, 3), WireEncoding.F16);
    }

    [Fact]
    public async Task Router_ForwardsToken_EdgeVerifiesAndRefusesAWrongKey()
    {
        var tokens = new TestTokens();
        await using var edge = await EdgeNode.StartAsync(settings: tokens.NodeSettings());
        await using var router = await EdgeRouter.StartHealthyAsync(edge.Address);
        await using var good = new GrpcEdgeTransport(router.Address, deviceId: "phone-1", bearerToken: tokens.Issue("phone-1"));
        await using var forged = new GrpcEdgeTransport(router.Address, deviceId: "phone-1", bearerToken: new TestTokens().Issue("phone-1"));

        var answer = await good.InferAsync(Request(), CancellationToken.None).WaitAsync(EdgeNode.Timeout);
        var computed = edge.Load.Computed;
        var refused = await Assert.ThrowsAsync<EdgeException>(() => forged.InferAsync(Request(), CancellationToken.None).WaitAsync(EdgeNode.Timeout));
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => router.Client.InferAsync(Requests.For([Requests.Texts[0]], 3), deadline: SplitInferenceTests.Deadline()).ResponseAsync);

        Assert.Single(answer.Embeddings);
        Assert.Equal(1, computed);
        Assert.Equal(StatusCode.Unauthenticated, refused.Status);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Equal(1, edge.Load.Computed);
    }

    [Fact]
    public async Task Tls_DeviceToRouterToEdge_EndToEndWithGeneratedCertificates()
    {
        using var certificates = new TestCertificates();
        var tokens = new TestTokens();
        await using var edge = await EdgeNode.StartAsync(settings: [.. tokens.NodeSettings(), .. certificates.KestrelSettings()]);
        Assert.Equal(Uri.UriSchemeHttps, edge.Address.Scheme);
        await using var router = await EdgeRouter.StartAsync([edge.Address], [$"--EdgeSplit:Router:TrustedCaFile={certificates.CaFile}", .. certificates.KestrelSettings()]);
        Assert.Equal(Uri.UriSchemeHttps, router.Address.Scheme);
        await EdgeRouter.WaitForActiveHealthAsync(router, Yarp.ReverseProxy.Model.DestinationHealth.Healthy, edge.App); // the probe reaches the edge over TLS with the private CA
        Assert.Equal((1, 1), router.App.Services.GetRequiredService<RouterReadiness>().Count());

        await using var device = new GrpcEdgeTransport(router.Address, deviceId: "phone-1", bearerToken: tokens.Issue(), trustedCaFile: certificates.CaFile);
        await using var untrusting = new GrpcEdgeTransport(router.Address, bearerToken: tokens.Issue());

        var answer = await device.InferAsync(Request(), CancellationToken.None).WaitAsync(EdgeNode.Timeout);
        var refused = await Assert.ThrowsAsync<EdgeException>(() => untrusting.InferAsync(Request(), CancellationToken.None).WaitAsync(EdgeNode.Timeout));

        Assert.Single(answer.Embeddings);
        Assert.Equal(1, edge.Load.Computed);
        // The system store does not know the test CA: the TLS handshake fails (grpc-dotnet reports INTERNAL or UNAVAILABLE).
        Assert.True(refused.Status is StatusCode.Internal or StatusCode.Unavailable, refused.Message);
    }

    [Fact]
    public async Task Tls_RouterWithoutTheCa_DoesNotTrustTheEdge()
    {
        using var certificates = new TestCertificates();
        await using var edge = await EdgeNode.StartAsync(settings: certificates.KestrelSettings());
        await using var router = await EdgeRouter.StartAsync([edge.Address]);
        await EdgeRouter.WaitForActiveHealthAsync(router, Yarp.ReverseProxy.Model.DestinationHealth.Unhealthy); // a probe ran and failed

        var (healthy, total) = router.App.Services.GetRequiredService<RouterReadiness>().Count();
        var refused = await Assert.ThrowsAsync<RpcException>(() => router.Client.InferAsync(Requests.For([Requests.Texts[0]], 3), deadline: SplitInferenceTests.Deadline()).ResponseAsync);

        Assert.Equal((0, 1), (healthy, total));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal(0, edge.Load.Computed);
    }
}
