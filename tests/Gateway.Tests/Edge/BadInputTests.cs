namespace EdgeSplit.Gateway.Tests.Edge;

public sealed class BadInputTests(DefaultNodeFixture fixture) : IClassFixture<DefaultNodeFixture>
{
    private EdgeNode Node => fixture.Node;

    public static TheoryData<string, string> Cases() => new()
    {
        { "rank", "rank 2" },
        { "hidden", "hidden size is 100" },
        { "bytes", "bytes" },
        { "nan", "NaN" },
        { "inf", "Infinity" },
        { "sequence", "sequence length is 300" },
        { "mask-length", "attention_mask has" },
        { "mask-value", "only 0 and 1" },
        { "encoding", "unknown encoding 9" },
        { "stage-high", "cut 8 is out of range" },
        { "stage-negative", "cut -1 is out of range" },
        { "garbage", "finite" },
        { "no-activation", "needs an activation" },
        { "token-id", "token ids must be in" },
        { "no-id", "request_id is required" },
        { "scales", "scales" },
        { "i4-bytes", "ENCODING_I4 needs" },
        { "i4-scales", "needs one per token" },
        { "i4-scale-nan", "int4 scale of token 0 is NaN" },
        { "i4-outliers", "outlier_index[0]" },
        { "i4-outlier-values", "outlier values" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InferStream_BadRequestThenValid_ErrorNamesProblemAndStreamSurvives(string mutation, string expected)
    {
        using var call = Node.Client.InferStream(deadline: SplitInferenceTests.Deadline());

        await call.RequestStream.WriteAsync(Mutate(mutation));
        Assert.True(await call.ResponseStream.MoveNext());
        var error = call.ResponseStream.Current;
        await call.RequestStream.WriteAsync(Requests.For(["still serving"], 2, Encoding.F32, "good"));
        Assert.True(await call.ResponseStream.MoveNext());
        var good = call.ResponseStream.Current;
        await call.RequestStream.CompleteAsync();

        Assert.Equal(StreamReply.ResultOneofCase.Error, error.ResultCase);
        Assert.Equal((int)StatusCode.InvalidArgument, error.Error.Code);
        Assert.Contains(expected, error.Error.Message);
        Assert.Equal("good", good.RequestId);
        Assert.Equal(StreamReply.ResultOneofCase.Reply, good.ResultCase);
    }

    [Fact]
    public async Task InferStream_HashMismatch_ErrorReplyFailedPrecondition()
    {
        using var call = Node.Client.InferStream(deadline: SplitInferenceTests.Deadline());
        var request = Requests.For(["x"], 3, Encoding.F16, "bad-hash");
        request.ModelHash = "0123";

        await call.RequestStream.WriteAsync(request);
        Assert.True(await call.ResponseStream.MoveNext());
        await call.RequestStream.CompleteAsync();

        Assert.Equal((int)StatusCode.FailedPrecondition, call.ResponseStream.Current.Error.Code);
        Assert.Contains("'0123'", call.ResponseStream.Current.Error.Message);
    }

    [Fact]
    public async Task Infer_MessageOverSizeLimit_ResourceExhaustedThenNextCallSucceeds()
    {
        await using var node = await EdgeNode.StartAsync(o => o.MaxMessageBytes = 64 * 1024);
        var request = Requests.For([string.Join(' ', Enumerable.Repeat("word", 100))], 2);

        var ex = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(request, deadline: SplitInferenceTests.Deadline()).ResponseAsync);
        var reply = await node.Client.InferAsync(Requests.For(["ok"], 2), deadline: SplitInferenceTests.Deadline());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Single(reply.Embeddings);
    }

    [Fact]
    public async Task Infer_GarbageProtobuf_RefusedThenNextCallSucceeds()
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "edgesplit.v1.SplitInference", "Infer",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var garbage = new byte[512];
        new Random(3).NextBytes(garbage);

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Node.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(deadline: SplitInferenceTests.Deadline()), garbage).ResponseAsync);
        var reply = await Node.Client.InferAsync(Requests.For(["ok"], 4), deadline: SplitInferenceTests.Deadline());

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("not a valid edgesplit.v1.InferRequest", ex.Status.Detail);
        Assert.Single(reply.Embeddings);
    }

    private static InferRequest Mutate(string mutation)
    {
        var request = Requests.For(["a bad request"], 2, mutation.StartsWith("i4-", StringComparison.Ordinal) ? Encoding.I4 : Encoding.F32, "bad");
        var tensor = request.Activation;
        var bytes = tensor.Data.ToByteArray();
        switch (mutation)
        {
            case "rank":
                tensor.Shape.RemoveAt(0);
                break;
            case "hidden":
                tensor.Shape[2] = 100;
                break;
            case "bytes":
                tensor.Data = ByteString.CopyFrom(bytes, 0, bytes.Length - 3);
                break;
            case "nan":
                BitConverter.GetBytes(float.NaN).CopyTo(bytes, 40);
                tensor.Data = ByteString.CopyFrom(bytes);
                break;
            case "inf":
                BitConverter.GetBytes(float.PositiveInfinity).CopyTo(bytes, 80);
                tensor.Data = ByteString.CopyFrom(bytes);
                break;
            case "sequence":
                tensor.Shape[1] = 300;
                break;
            case "mask-length":
                request.AttentionMask.Add(1);
                break;
            case "mask-value":
                request.AttentionMask[0] = 7;
                break;
            case "encoding":
                tensor.Encoding = (Encoding)9;
                break;
            case "stage-high":
                request.Cut = 8;
                break;
            case "stage-negative":
                request.Cut = -1;
                break;
            case "garbage":
                new Random(1).NextBytes(bytes);
                for (var i = 3; i < bytes.Length; i += 4)
                {
                    bytes[i] |= 0x7F; // exponent bits set: NaN or infinity somewhere for sure
                    bytes[i - 1] |= 0x80;
                }

                tensor.Data = ByteString.CopyFrom(bytes);
                break;
            case "no-activation":
                request.Activation = null;
                break;
            case "token-id":
                request = Requests.For(["a bad request"], 0, Encoding.F32, "bad");
                request.InputIds[1] = 999_999;
                break;
            case "no-id":
                request.RequestId = "";
                break;
            case "scales":
                tensor.Scales.Add(1f);
                break;
            case "i4-bytes":
                tensor.Data = ByteString.CopyFrom(bytes, 0, bytes.Length - 1);
                break;
            case "i4-scales":
                tensor.Scales.RemoveAt(0);
                break;
            case "i4-scale-nan":
                tensor.Scales[0] = float.NaN;
                break;
            case "i4-outliers":
                tensor.OutlierIndex.Clear();
                tensor.OutlierValue.Clear();
                tensor.OutlierIndex.Add(int.MaxValue);
                tensor.OutlierValue.Add(1f);
                break;
            case "i4-outlier-values":
                tensor.OutlierIndex.Clear();
                tensor.OutlierValue.Clear();
                tensor.OutlierIndex.Add(3);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mutation), mutation, null);
        }

        return request;
    }
}
