namespace EdgeSplit.Gateway.Tests.Security;

public sealed class LimitsTests
{
    private static InferRequest Valid(string id = "") => Requests.For(["rate limited"], 4, Encoding.F16, id);

    [Fact]
    public async Task Infer_OverDeviceRate_ResourceExhaustedWithRetryAfterAndOthersServed()
    {
        var tokens = new TestTokens();
        // One token per 20 s after the burst: however slow this machine is, no token comes back during the test.
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings("--EdgeSplit:Limits:Tiers:standard:RequestsPerSecond=0.05", "--EdgeSplit:Limits:Tiers:standard:Burst=3"));
        var greedy = TestTokens.Bearer(tokens.Issue("greedy"));
        for (var i = 0; i < 3; i++)
        {
            await node.Client.InferAsync(Valid(), greedy, SplitInferenceTests.Deadline());
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(Valid(), greedy, SplitInferenceTests.Deadline()).ResponseAsync);
        var polite = await node.Client.InferAsync(Valid(), TestTokens.Bearer(tokens.Issue("polite")), SplitInferenceTests.Deadline());
        var bulk = await node.Client.InferAsync(Valid(), TestTokens.Bearer(tokens.Issue("greedy-bulk", DeviceClaims.BulkTier)), SplitInferenceTests.Deadline());

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var retry = int.Parse(refused.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retry, 5, 20_100);
        Assert.Single(polite.Embeddings);
        Assert.Single(bulk.Embeddings);
        Assert.Equal(5, node.Load.Computed);

        // The device agent reads the hint and treats the refusal as "run locally now".
        var mapped = DeviceAgent.Edge.GrpcEdgeTransport.Map(refused);
        Assert.Equal(TimeSpan.FromMilliseconds(retry), mapped.RetryAfter);
    }

    [Fact]
    public async Task InferStream_OverDeviceRate_ErrorReplyPerMessageStreamStaysOpen()
    {
        var tokens = new TestTokens();
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings("--EdgeSplit:Limits:Tiers:standard:RequestsPerSecond=0.05", "--EdgeSplit:Limits:Tiers:standard:Burst=2"));
        using var call = node.Client.InferStream(TestTokens.Bearer(tokens.Issue()), SplitInferenceTests.Deadline());
        for (var i = 0; i < 6; i++)
        {
            await call.RequestStream.WriteAsync(Valid($"r{i}"));
        }

        await call.RequestStream.CompleteAsync();
        var replies = new List<StreamReply>();
        while (await call.ResponseStream.MoveNext())
        {
            replies.Add(call.ResponseStream.Current);
        }

        var limited = replies.Where(r => r.ResultCase == StreamReply.ResultOneofCase.Error).ToList();
        Assert.Equal(6, replies.Count);
        Assert.Equal(2, replies.Count(r => r.ResultCase == StreamReply.ResultOneofCase.Reply));
        Assert.All(limited, r => Assert.Equal((int)StatusCode.ResourceExhausted, r.Error.Code));
        Assert.All(limited, r => Assert.True(r.Error.RetryAfterMs > 0));
        Assert.Equal(2, node.Load.Computed);
    }

    [Fact]
    public async Task InferStream_OverStreamsPerDevice_ResourceExhausted()
    {
        var tokens = new TestTokens();
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings("--EdgeSplit:Limits:Tiers:standard:MaxStreams=2"));
        var headers = TestTokens.Bearer(tokens.Issue("phone-s"));
        using var first = node.Client.InferStream(headers, SplitInferenceTests.Deadline());
        using var second = node.Client.InferStream(headers, SplitInferenceTests.Deadline());
        await first.RequestStream.WriteAsync(Valid("a"));
        await second.RequestStream.WriteAsync(Valid("b"));
        Assert.True(await first.ResponseStream.MoveNext());
        Assert.True(await second.ResponseStream.MoveNext());

        using var third = node.Client.InferStream(headers, SplitInferenceTests.Deadline());
        try
        {
            await third.RequestStream.WriteAsync(Valid("c"));
        }
        catch (RpcException)
        {
            // Refused before the write finished; the response stream reports the call's status.
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext());
        using var otherDevice = node.Client.InferStream(TestTokens.Bearer(tokens.Issue("phone-t")), SplitInferenceTests.Deadline());
        await otherDevice.RequestStream.WriteAsync(Valid("d"));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.NotNull(refused.Trailers.GetValue("retry-after-ms"));
        Assert.True(await otherDevice.ResponseStream.MoveNext());
        Assert.Equal(StreamReply.ResultOneofCase.Reply, otherDevice.ResponseStream.Current.ResultCase);
    }

    [Fact]
    public async Task Infer_OverNodeConcurrentCalls_ResourceExhaustedUntilACallEnds()
    {
        // Node-wide, whoever the callers are: two open streams hold both call slots of this node.
        await using var node = await EdgeNode.StartAsync(settings: "--EdgeSplit:Limits:MaxConcurrentCalls=2");
        using var first = node.Client.InferStream(deadline: SplitInferenceTests.Deadline());
        using var second = node.Client.InferStream(deadline: SplitInferenceTests.Deadline());
        await first.RequestStream.WriteAsync(Valid("a"));
        await second.RequestStream.WriteAsync(Valid("b"));
        Assert.True(await first.ResponseStream.MoveNext());
        Assert.True(await second.ResponseStream.MoveNext());

        var refused = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(Valid(), deadline: SplitInferenceTests.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("the node holds its limit of 2 calls", refused.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(refused.Trailers.GetValue("retry-after-ms"));
        Assert.Equal(2, node.Load.Computed);

        // A call that ends gives its slot back: the server releases it before the client sees the call's status.
        await first.RequestStream.CompleteAsync();
        while (await first.ResponseStream.MoveNext())
        {
        }

        var reply = await node.Client.InferAsync(Valid(), deadline: SplitInferenceTests.Deadline());
        Assert.Single(reply.Embeddings);
    }

    [Theory]
    [InlineData("--EdgeSplit:Limits:Tiers:standard:RequestsPerSecond=-1", "EdgeSplit:Limits:Tiers:standard:RequestsPerSecond")]
    [InlineData("--EdgeSplit:Limits:MaxConcurrentCalls=0", "EdgeSplit:Limits:MaxConcurrentCalls")]
    [InlineData("--EdgeSplit:Limits:Tiers:bulk:MaxStreams=-3", "EdgeSplit:Limits:Tiers:bulk:MaxStreams")]
    public async Task Start_BadLimit_FailsNamingTheKey(string setting, string key)
    {
        var app = GatewayApp.Build(["--urls=http://127.0.0.1:0", setting], configureEdge: edge => edge.UseModel(SharedModel.Instance));
        try
        {
            var error = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync().WaitAsync(EdgeNode.Timeout));
            Assert.Contains(key, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
