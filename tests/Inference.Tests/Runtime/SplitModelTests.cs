namespace EdgeSplit.Inference.Tests.Runtime;

[Collection(ModelCollection.Name)]
public sealed class SplitModelTests(ModelFixture fixture)
{
    private readonly SplitModel _model = fixture.Model;

    public static TheoryData<int, int> CutsAndBatches()
    {
        var data = new TheoryData<int, int>();
        for (var cut = 0; cut <= 8; cut++)
        {
            data.Add(cut, 1);
            data.Add(cut, 8);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CutsAndBatches))]
    public void RunSplit_AnyCut_LastHiddenStateMatchesUnsplitModel(int cut, int batch)
    {
        Assert.Equal(8, _model.StageCount);
        var tokens = Tokens(batch);
        var expected = fixture.Reference.LastHiddenState(tokens);

        var actual = LastHiddenThroughCut(tokens, cut);

        Assert.Equal(expected.Length, actual.Length);
        Assert.True(Vectors.MaxAbsDiff(expected, actual) <= 1e-4, $"max abs diff {Vectors.MaxAbsDiff(expected, actual)} at cut {cut}");
    }

    [Theory]
    [MemberData(nameof(CutsAndBatches))]
    public void RunSplit_AnyCut_SentenceEmbeddingsMatchUnsplitModel(int cut, int batch)
    {
        var tokens = Tokens(batch);
        var expected = Vectors.MeanPoolNormalize(fixture.Reference.LastHiddenState(tokens), tokens.AttentionMask, tokens.Batch, tokens.Sequence, _model.HiddenSize);

        var actual = cut is 0 || cut == _model.StageCount ? _model.Embed(tokens) : _model.Finish(_model.RunHead(tokens, cut));

        Assert.Equal(batch, actual.Length);
        for (var row = 0; row < batch; row++)
        {
            Assert.Equal(384, actual[row].Length);
            var cosine = Vectors.Cosine(expected[row], actual[row]);
            Assert.True(cosine >= 0.99999, $"row {row} cosine {cosine} at cut {cut}");
        }
    }

    [Fact]
    public void Embed_PaddedBatch_EachRowEqualsItsUnpaddedRun()
    {
        var batch = _model.Tokenize(Corpus.MixedLengths);
        var together = _model.Embed(batch);

        for (var row = 0; row < Corpus.MixedLengths.Length; row++)
        {
            var alone = _model.Embed(_model.Tokenize([Corpus.MixedLengths[row]]))[0];
            Assert.True(Vectors.Cosine(alone, together[row]) >= 0.99999, $"row {row} changed by padding");
        }
    }

    [Fact]
    public void Embed_ParaphrasePairs_ScoreClearlyAboveUnrelatedPairs()
    {
        (string, string)[] paraphrases =
        [
            ("A man is playing a guitar.", "Someone is strumming a guitar."),
            ("The weather is lovely today.", "It is a beautiful sunny day."),
            ("How do I reset my password?", "I forgot my password, how can I change it?"),
        ];
        (string, string)[] unrelated =
        [
            ("A man is playing a guitar.", "The quarterly tax report is due on Friday."),
            ("The weather is lovely today.", "Compile the kernel with debug symbols."),
            ("How do I reset my password?", "Penguins live in the southern hemisphere."),
        ];

        var paraphraseScores = paraphrases.Select(p => Score(p.Item1, p.Item2)).ToList();
        var unrelatedScores = unrelated.Select(p => Score(p.Item1, p.Item2)).ToList();

        Assert.True(paraphraseScores.Min() > 0.5, $"paraphrases: {string.Join(", ", paraphraseScores)}");
        Assert.True(unrelatedScores.Max() < 0.25, $"unrelated: {string.Join(", ", unrelatedScores)}");
        Assert.True(paraphraseScores.Min() - unrelatedScores.Max() > 0.3);
    }

    [Fact]
    public void Embed_AnyText_IsUnitLength()
    {
        var embedding = _model.Embed(_model.Tokenize(["Unit length check."]))[0];

        var norm = Math.Sqrt(embedding.Sum(v => (double)v * v));
        Assert.InRange(norm, 0.99999, 1.00001);
    }

    [Fact]
    public void Continue_ChainedCuts_EqualsSingleRun()
    {
        var tokens = Tokens(8);
        var direct = _model.Finish(_model.RunHead(tokens, 2));

        var chained = _model.Finish(_model.Continue(_model.Continue(_model.RunHead(tokens, 1), 2), 5));

        for (var row = 0; row < 8; row++)
        {
            Assert.True(Vectors.MaxAbsDiff(direct[row], chained[row]) <= 1e-5);
        }
    }

    [Fact]
    public void RunHead_StageTimings_AreFilledForStagesRun()
    {
        var timings = new double[_model.StageCount];

        _model.RunHead(Tokens(1), 3, timings);

        Assert.All(timings.Take(3), t => Assert.True(t > 0));
        Assert.All(timings.Skip(3), t => Assert.Equal(0, t));
    }

    [Fact]
    public void Run_StageZeroWithoutTokens_ThrowsClearError()
    {
        var error = Assert.Throws<ArgumentException>(() => _model.Run(null, null, 0, 2));

        Assert.Contains("token ids", error.Message);
    }

    private TokenBatch Tokens(int batch) => _model.Tokenize(batch == 1 ? [Corpus.MixedLengths[1]] : Corpus.MixedLengths[..batch]);

    private float[] LastHiddenThroughCut(TokenBatch tokens, int cut)
    {
        var last = _model.StageCount - 1;
        if (cut == 0 || cut >= last)
        {
            // cut == StageCount - 1 splits right before pooling: the head is the whole encoder.
            return cut == last ? _model.RunHead(tokens, cut).Data : _model.Run(tokens, null, 0, last);
        }

        var head = _model.RunHead(tokens, cut);
        return _model.Run(null, head, cut, last);
    }

    private double Score(string a, string b)
    {
        var embeddings = _model.Embed(_model.Tokenize([a, b]));
        return Vectors.Cosine(embeddings[0], embeddings[1]);
    }
}
