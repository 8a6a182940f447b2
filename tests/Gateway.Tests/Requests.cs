using EdgeSplit.Inference.Runtime;

namespace EdgeSplit.Gateway.Tests;

/// <summary>Builds wire requests the way a device does: run stages [0,k) locally, encode the cut.</summary>
internal static class Requests
{
    public static readonly string[] Texts =
    [
        "The edge node finishes the model.",
        "Short one.",
        "Split inference streams activations from phones to a nearby server that runs the remaining transformer layers.",
    ];

    public static SplitModel Model => SharedModel.Instance;

    public static InferRequest For(IReadOnlyList<string> texts, int cut, Encoding encoding = Encoding.F32, string id = "")
    {
        var tokens = Model.Tokenize(texts);
        var request = new InferRequest { RequestId = id, ModelHash = Model.ModelHash, Scheme = Model.Manifest.Scheme, Cut = cut };
        if (cut == 0)
        {
            request.TokenShape.Add(tokens.Batch);
            request.TokenShape.Add(tokens.Sequence);
            request.InputIds.AddRange(tokens.InputIds);
            request.TokenTypeIds.AddRange(tokens.TokenTypeIds);
        }
        else
        {
            var activation = Model.RunHead(tokens, cut);
            request.Activation = ActivationCodec.Encode(activation.Data, activation.Batch, activation.Sequence, activation.Hidden, encoding);
        }

        request.AttentionMask.AddRange(tokens.AttentionMask);
        return request;
    }

    public static float[][] Local(IReadOnlyList<string> texts) => Model.Embed(Model.Tokenize(texts));

    public static double Cosine(float[] a, IReadOnlyList<float> b) => Vectors.Cosine(a, b);
}
