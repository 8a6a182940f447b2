using System.Globalization;

namespace EdgeSplit.Gateway.Tests.Edge;

/// <summary>
/// What each quantised encoding costs in accuracy and saves in bytes, measured on the bundled model: every text
/// of a mixed-length corpus (one padded batch) cut at every stage 1..7, the activation encoded, decoded and
/// finished, its embedding compared with the unsplit model's; bytes are the encoded tensor messages'.
/// </summary>
public sealed class EncodingAccuracyTests(ITestOutputHelper output)
{
    private static readonly string[] Corpus =
    [
        .. Requests.Texts,
        "Hi.",
        "The train to Lyon leaves from platform four at noon.",
        "Battery low.",
        "Our field engineers replaced the cooling fan on the edge rack after the temperature alarm went off twice during the night shift, and the node has been stable since.",
        "Where is the nearest pharmacy?",
        "ok",
        "A quick brown fox jumps over the lazy dog while the farmer, unaware, keeps repairing the old wooden fence by the river.",
    ];

    [Fact]
    public void I8AndI4_EveryCutOverTheCorpus_CosineToUnsplitAndBytes()
    {
        var model = Requests.Model;
        var tokens = model.Tokenize(Corpus);
        var expected = model.Embed(tokens);
        var bytes = new Dictionary<Encoding, long> { [Encoding.I8] = 0, [Encoding.I4] = 0 };
        var outliers = new Dictionary<Encoding, long> { [Encoding.I8] = 0, [Encoding.I4] = 0 };
        var worst = new Dictionary<Encoding, double> { [Encoding.I8] = 1, [Encoding.I4] = 1 };
        for (var cut = 1; cut < model.StageCount; cut++)
        {
            var activation = model.RunHead(tokens, cut);
            var line = string.Create(CultureInfo.InvariantCulture, $"cut {cut}:");
            foreach (var encoding in new[] { Encoding.I8, Encoding.I4 })
            {
                var tensor = ActivationCodec.Encode(activation.Data, activation.Batch, activation.Sequence, activation.Hidden, encoding);
                bytes[encoding] += tensor.CalculateSize();
                outliers[encoding] += tensor.OutlierIndex.Count;
                var decoded = ActivationCodec.Decode(tensor, activation.Hidden, Corpus.Length, activation.Sequence);
                var embeddings = model.Finish(activation with { Data = decoded });
                var cosines = expected.Select((e, row) => Requests.Cosine(e, embeddings[row])).Order().ToArray();
                worst[encoding] = Math.Min(worst[encoding], cosines[0]);
                line += string.Create(CultureInfo.InvariantCulture, $" {ActivationCodec.Name(encoding)} min {cosines[0]:F5} median {Median(cosines):F5}");
            }

            output.WriteLine(line);
        }

        var ratio = (double)bytes[Encoding.I4] / bytes[Encoding.I8];
        var tokenCount = (model.StageCount - 1) * tokens.Batch * tokens.Sequence;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bytes: I8 {bytes[Encoding.I8]}, I4 {bytes[Encoding.I4]}, ratio {ratio:F4}; outliers per token: I8 {(double)outliers[Encoding.I8] / tokenCount:F2}, I4 {(double)outliers[Encoding.I4] / tokenCount:F2}"));
        Assert.True(worst[Encoding.I8] >= 0.9998, $"int8 min cosine {worst[Encoding.I8]:F6}");
        Assert.True(worst[Encoding.I4] >= 0.98, $"int4 min cosine {worst[Encoding.I4]:F6}");
        Assert.True(ratio <= 0.55, $"int4 bytes are {ratio:P1} of int8's");
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
