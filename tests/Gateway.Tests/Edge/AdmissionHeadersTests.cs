using System.Globalization;
using EdgeSplit.Contracts.Transport;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Gateway.Tests.Router;

namespace EdgeSplit.Gateway.Tests.Edge;

/// <summary>
/// The node tells the device at admission that it has the request and when the answer will be ready (early
/// response headers), directly and through the router: the device's hedge waits on that promise.
/// </summary>
public sealed class AdmissionHeadersTests
{
    // A long batch window: the answer is ready only after it, so headers sent at admission arrive well before it.
    private const double WindowMs = 400;

    [Fact]
    public async Task Infer_Admitted_EtaHeaderArrivesBeforeTheAnswerAndCoversTheBatchWindow()
    {
        await using var edge = await EdgeNode.StartAsync(o => o.BatchWindowMs = WindowMs);

        await AssertEarlyEtaAsync(edge.Client);
    }

    [Fact]
    public async Task Infer_ThroughRouter_EtaHeaderIsPassedOnBeforeTheAnswer()
    {
        await using var edge = await EdgeNode.StartAsync(o => o.BatchWindowMs = WindowMs);
        await using var router = await EdgeRouter.StartAsync([edge.Address]);
        await router.WaitForHealthyAsync(1);

        await AssertEarlyEtaAsync(router.Client);
    }

    [Fact]
    public async Task Infer_Refused_NoEtaHeader()
    {
        await using var edge = await EdgeNode.StartAsync();
        var request = Requests.For([Requests.Texts[0]], 3);
        request.ModelHash = "not-this-model";

        using var call = edge.Client.InferAsync(request);
        var headers = await call.ResponseHeadersAsync.WaitAsync(EdgeNode.Timeout);

        Assert.Null(headers.GetValue(ProtocolHeaders.EtaMs));
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => call.ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, refused.StatusCode);
    }

    private static async Task AssertEarlyEtaAsync(SplitInference.SplitInferenceClient client)
    {
        using var call = client.InferAsync(Requests.For([Requests.Texts[0]], 3, id: "eta"));
        var headers = await call.ResponseHeadersAsync.WaitAsync(EdgeNode.Timeout);

        Assert.False(call.ResponseAsync.IsCompleted, "the headers came with the answer, not at admission");
        var eta = int.Parse(headers.GetValue(ProtocolHeaders.EtaMs) ?? throw new Xunit.Sdk.XunitException("no eta header"), CultureInfo.InvariantCulture);
        Assert.InRange(eta, WindowMs, WindowMs + 5_000);
        var reply = await call.ResponseAsync.WaitAsync(EdgeNode.Timeout);
        Assert.Single(reply.Embeddings);
    }
}
