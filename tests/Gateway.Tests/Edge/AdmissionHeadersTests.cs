using System.Globalization;
using EdgeSplit.Contracts.Transport;

namespace EdgeSplit.Gateway.Tests.Edge;

/// <summary>
/// The node tells the device at admission that it has the request and when the answer will be ready (early
/// response headers), directly and through the router: the device's hedge waits on that promise.
/// </summary>
public sealed class AdmissionHeadersTests
{
    // A request of many long rows: hundreds of milliseconds of compute on the node.
    private static readonly string[] Heavy = [.. Enumerable.Repeat(string.Join(' ', Enumerable.Repeat(Requests.Texts[2], 4)), 24)];

    [Fact]
    public async Task Infer_Admitted_EtaHeaderArrivesBeforeTheAnswerAndCoversTheBatchWindow()
    {
        await using var edge = await EdgeNode.StartAsync();

        await AssertEarlyEtaAsync(edge.Client, edge.Client);
    }

    [Fact]
    public async Task Infer_ThroughRouter_EtaHeaderIsPassedOnBeforeTheAnswer()
    {
        await using var edge = await EdgeNode.StartAsync();
        await using var router = await EdgeRouter.StartAsync([edge.Address]);
        await router.WaitForHealthyAsync(1);

        await AssertEarlyEtaAsync(router.Client, edge.Client);
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

    private static async Task AssertEarlyEtaAsync(SplitInference.SplitInferenceClient client, SplitInference.SplitInferenceClient direct)
    {
        // Warm the node (first-run costs of this shape), then send requests whose own compute takes a while: admission is
        // immediate, the answer comes after the compute. Headers that came with the answer would arrive within a few
        // milliseconds of it. On a saturated 2-core machine the header frame can wait behind the compute for a core, which
        // delays it but can never make it early: one request that shows the gap proves the headers leave at admission.
        await direct.InferAsync(Requests.For(Heavy, 1)).ResponseAsync.WaitAsync(EdgeNode.Timeout);
        var seen = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var call = client.InferAsync(Requests.For(Heavy, 1, id: $"eta-{attempt}"));
            var headers = await call.ResponseHeadersAsync.WaitAsync(EdgeNode.Timeout);
            var headersMs = clock.Elapsed.TotalMilliseconds;
            var reply = await call.ResponseAsync.WaitAsync(EdgeNode.Timeout);
            var replyMs = clock.Elapsed.TotalMilliseconds;
            var eta = int.Parse(headers.GetValue(ProtocolHeaders.EtaMs) ?? throw new Xunit.Sdk.XunitException("no eta header"), CultureInfo.InvariantCulture);
            Assert.True(eta > 0, $"eta {eta} ms for a request the node has run before");
            Assert.Equal(Heavy.Length, reply.Embeddings.Count);
            if (replyMs - headersMs >= 100)
            {
                return;
            }

            seen.Add($"headers after {headersMs:F0} ms, answer after {replyMs:F0} ms");
        }

        Assert.Fail($"the headers came with the answer, not at admission: {string.Join("; ", seen)}");
    }
}
