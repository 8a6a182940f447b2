using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.Inference.Runtime;
using Google.Protobuf;

namespace EdgeSplit.Bench.Soak;

/// <summary>The requests of the soak: a normal device's, and the attackers' (built once, cloned per call).</summary>
internal sealed class SoakRequests
{
    private const int Cut = 3;

    public SoakRequests(SplitModel model)
    {
        var tokens = model.Tokenize(["the lights in the kitchen should turn off at eleven"]);
        var head = model.RunHead(tokens, Cut);
        Normal = Build(model, head.Data, head.Batch, head.Sequence, Encoding.F16, tokens.AttentionMask);

        // The largest reply a request may ask for at the default limits: 32 rows of 256 tokens with the hidden state.
        var rows = 32;
        var sequence = 256;
        var big = new float[rows * sequence * model.HiddenSize];
        for (var i = 0; i < big.Length; i++)
        {
            big[i] = head.Data[i % head.Data.Length];
        }

        LargeReply = Build(model, big, rows, sequence, Encoding.F16, Enumerable.Repeat(1L, rows * sequence).ToArray());
        LargeReply.ReturnHidden = true;
        Extreme = Build(model, [.. head.Data.Select(v => v * 1e30f)], head.Batch, head.Sequence, Encoding.F32, tokens.AttentionMask);
        HugeScales = Normal.Clone();
        HugeScales.Activation = new Tensor { Encoding = Encoding.I8, Data = ByteString.CopyFrom(Enumerable.Repeat((byte)100, head.Data.Length).ToArray()) };
        HugeScales.Activation.Shape.Add(head.Batch);
        HugeScales.Activation.Shape.Add(head.Sequence);
        HugeScales.Activation.Shape.Add(model.HiddenSize);
        HugeScales.Activation.Scales.AddRange(Enumerable.Repeat(3e36f, head.Batch * head.Sequence));
    }

    public InferRequest Normal { get; }

    public InferRequest LargeReply { get; }

    public InferRequest Extreme { get; }

    public InferRequest HugeScales { get; }

    private static InferRequest Build(SplitModel model, float[] data, int rows, int sequence, Encoding encoding, long[] mask)
    {
        var request = new InferRequest { ModelHash = model.ModelHash, Scheme = model.Manifest.Scheme, Cut = Cut };
        request.Activation = ActivationCodec.Encode(data, rows, sequence, model.HiddenSize, encoding);
        request.AttentionMask.AddRange(mask);
        return request;
    }
}
