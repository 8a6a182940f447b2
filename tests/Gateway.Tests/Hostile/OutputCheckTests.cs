namespace EdgeSplit.Gateway.Tests.Hostile;

/// <summary>Extreme activations never come back as NaN with status OK.</summary>
public sealed class OutputCheckTests
{
    [Theory]
    [InlineData(1e20f, Encoding.F32)]
    [InlineData(1e5f, Encoding.F32)]
    [InlineData(3e38f, Encoding.I8)]
    public async Task Infer_BeyondMaxActivationMagnitude_InvalidArgumentNamingTheLimit(float value, Encoding encoding)
    {
        await using var node = await EdgeNode.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(Scaled(value, encoding), deadline: SplitInferenceTests.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("EdgeSplit:Edge:MaxActivationMagnitude", error.Status.Detail);
    }

    [Fact]
    public async Task Infer_AtTheDefaultLimit_FiniteEmbeddings()
    {
        await using var node = await EdgeNode.StartAsync();

        var reply = await node.Client.InferAsync(Scaled(65504f, Encoding.F32), deadline: SplitInferenceTests.Deadline());

        Assert.All(reply.Embeddings, e => Assert.All(e.Values, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public async Task InferAndStream_OverflowInsideTheModel_InternalNamingNonFiniteNeverOk()
    {
        // With the up-front bound opened wide, 1e30 overflows inside the layers: the output check must catch it.
        await using var node = await EdgeNode.StartAsync(o => o.MaxActivationMagnitude = 3e38);
        var request = Scaled(1e30f, Encoding.F32);
        request.ReturnHidden = true;

        var unary = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(request, deadline: SplitInferenceTests.Deadline()).ResponseAsync);
        using var call = node.Client.InferStream(deadline: SplitInferenceTests.Deadline());
        var streamed = request.Clone();
        streamed.RequestId = "nan";
        await call.RequestStream.WriteAsync(streamed);
        await call.RequestStream.WriteAsync(Requests.For(["a normal request after it"], 3, Encoding.F32, "ok"));
        await call.RequestStream.CompleteAsync();
        var replies = new Dictionary<string, StreamReply>();
        while (await call.ResponseStream.MoveNext())
        {
            replies[call.ResponseStream.Current.RequestId] = call.ResponseStream.Current;
        }

        Assert.Equal(StatusCode.Internal, unary.StatusCode);
        Assert.Contains("not finite", unary.Status.Detail);
        Assert.Equal(StreamReply.ResultOneofCase.Error, replies["nan"].ResultCase);
        Assert.Equal((int)StatusCode.Internal, replies["nan"].Error.Code);
        Assert.Equal(StreamReply.ResultOneofCase.Reply, replies["ok"].ResultCase);
    }

    [Fact]
    public async Task Infer_OverflowingRowBatchedWithAGoodOne_OnlyTheBadRequestFails()
    {
        await using var node = await EdgeNode.StartAsync(EdgeNode.Holding(200, o => o.MaxActivationMagnitude = 3e38));
        var expected = Requests.Local([Requests.Texts[0]])[0];

        var bad = node.Client.InferAsync(Scaled(1e30f, Encoding.F32), deadline: SplitInferenceTests.Deadline()).ResponseAsync;
        var good = node.Client.InferAsync(Requests.For([Requests.Texts[0]], 3), deadline: SplitInferenceTests.Deadline()).ResponseAsync;
        var error = await Assert.ThrowsAsync<RpcException>(() => bad);
        var reply = await good;

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal(2, reply.Timings.BatchRows);
        Assert.True(Requests.Cosine(expected, reply.Embeddings[0].Values) >= 0.9999);
    }

    /// <summary>A valid request at cut 3 whose hidden state is multiplied to reach <paramref name="peak"/> in magnitude.</summary>
    private static InferRequest Scaled(float peak, Encoding encoding)
    {
        var model = Requests.Model;
        var tokens = model.Tokenize([Requests.Texts[0]]);
        var head = model.RunHead(tokens, 3);
        var max = head.Data.Max(Math.Abs);
        var data = head.Data.Select(v => (float)(v / max * peak)).ToArray();
        var request = new InferRequest { ModelHash = model.ModelHash, Scheme = model.Manifest.Scheme, Cut = 3 };
        request.Activation = encoding == Encoding.I8
            ? Int8WithHugeScales(data, head.Batch, head.Sequence, head.Hidden)
            : ActivationCodec.Encode(data, head.Batch, head.Sequence, head.Hidden, encoding);
        request.AttentionMask.AddRange(tokens.AttentionMask);
        return request;
    }

    /// <summary>int8 values of 1 with a scale of 3e38 per token: finite on the wire, absurd once decoded.</summary>
    private static Tensor Int8WithHugeScales(float[] data, int batch, int sequence, int hidden)
    {
        var tensor = new Tensor { Encoding = Encoding.I8, Data = Google.Protobuf.ByteString.CopyFrom(Enumerable.Repeat((byte)1, data.Length).ToArray()) };
        tensor.Shape.Add(batch);
        tensor.Shape.Add(sequence);
        tensor.Shape.Add(hidden);
        tensor.Scales.AddRange(Enumerable.Repeat(3e38f, batch * sequence));
        return tensor;
    }
}
