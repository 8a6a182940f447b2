namespace EdgeSplit.Inference.Tests.Decoder;

public sealed class DecoderPartitionerTests(DecoderFixture fixture) : IClassFixture<DecoderFixture>
{
    private const string Prompt = "The edge keeps the cache; the phone keeps the cut.";

    [Theory]
    [InlineData(DecoderLayout.Gpt2, "transformer.h.0.", "/transformer/Add_output_0")]
    [InlineData(DecoderLayout.Llama, "model.layers.1.", "/model/embed_tokens/Gather_output_0")]
    public void Partition_TinyModel_FindsLayerBoundariesFromParameterNames(DecoderLayout layout, string parameterPrefix, string firstBoundary)
    {
        using var model = DecoderModel.Load(fixture.DirectoryOf(layout));
        var manifest = model.Manifest;
        var bytes = File.ReadAllBytes(Path.Combine(fixture.DirectoryOf(layout), DecoderModelInfo.ModelFileName));
        var proto = ModelPartitioner.Parse(bytes, "model.onnx");

        Assert.Contains(proto.Graph.Initializer, i => i.Name.StartsWith(parameterPrefix, StringComparison.Ordinal));
        Assert.Equal(firstBoundary, manifest.Boundaries[0]);
        Assert.Equal(manifest.Layers + 2, manifest.Stages.Count);
        Assert.Equal(["embeddings", "layer.0", "layer.1", "head"], manifest.Stages.Select(s => s.Name));
        var layer1 = manifest.Stages[2];
        Assert.Contains(layer1.Inputs, i => i.Name == "past_key_values.1.key");
        Assert.Contains(layer1.Outputs, o => o.Name == "present.1.value");
        Assert.DoesNotContain(layer1.Inputs, i => i.Name == "past_key_values.0.key");
        Assert.Equal("logits", manifest.Stages[^1].Outputs.Single().Name);
    }

    [Theory]
    [InlineData(DecoderLayout.Gpt2)]
    [InlineData(DecoderLayout.Llama)]
    public async Task Segments_EveryStageAndTheModel_PassOnnxChecker(DecoderLayout layout)
    {
        var directory = fixture.DirectoryOf(layout);
        var bytes = File.ReadAllBytes(Path.Combine(directory, DecoderModelInfo.ModelFileName));
        var partition = DecoderPartitioner.Partition(ModelPartitioner.Parse(bytes, "model.onnx"), "hash");
        var stagesDirectory = Path.Combine(directory, "stages");
        partition.Write(stagesDirectory);
        var files = partition.Manifest.Stages.Select(s => Path.Combine(stagesDirectory, s.File)).Prepend(Path.Combine(directory, DecoderModelInfo.ModelFileName)).ToList();

        await ChildProcess.AssertOnnxCheckerPassesAsync(files, fullCheck: true);
    }

    [Theory]
    [InlineData(DecoderLayout.Gpt2)]
    [InlineData(DecoderLayout.Llama)]
    public void Chain_EveryCut_GivesUnsplitLogitsAndSame64GreedyTokens(DecoderLayout layout)
    {
        var directory = fixture.DirectoryOf(layout);
        using var model = DecoderModel.Load(directory);
        var prompt = model.Tokenizer.Encode(Prompt).Select(i => (long)i).ToArray();
        using var full = new FullDecoder(Path.Combine(directory, DecoderModelInfo.ModelFileName), model.Manifest);
        var vocab = model.Manifest.VocabSize;
        var expectedPrefill = full.Step(prompt)[^vocab..];
        var expected = new List<int> { TokenSampler.ArgMax(expectedPrefill) };
        while (expected.Count < 64)
        {
            expected.Add(TokenSampler.ArgMax(full.Step([expected[^1]])));
        }

        Assert.True(expected.Distinct().Count() > 1, "a model that repeats one token cannot tell orders apart");
        for (var cut = 1; cut < model.StageCount; cut++)
        {
            var device = model.NewCache(0, cut);
            var edge = model.NewCache(cut, model.StageCount);
            var hidden = model.Forward(0, cut, [device], prompt, null, prompt.Length);
            var logits = model.Forward(cut, model.StageCount, [edge], null, hidden, prompt.Length);
            Assert.True(MaxDifference(expectedPrefill, logits) <= 1e-4, $"cut {cut}: prefill logits differ by {MaxDifference(expectedPrefill, logits)}");
            var tokens = new List<int> { TokenSampler.ArgMax(logits) };
            while (tokens.Count < 64)
            {
                hidden = model.Forward(0, cut, [device], [tokens[^1]], null, 1);
                tokens.Add(TokenSampler.ArgMax(model.Forward(cut, model.StageCount, [edge], null, hidden, 1)));
            }

            Assert.Equal(expected, tokens);
            Assert.Equal(prompt.Length + 63, edge.Length);
        }
    }

    [Theory]
    [InlineData(DecoderLayout.Gpt2)]
    [InlineData(DecoderLayout.Llama)]
    public void Forward_SequencesAtDifferentPositionsInOneBatch_MatchThemRunAlone(DecoderLayout layout)
    {
        using var model = DecoderModel.Load(fixture.DirectoryOf(layout));
        var prompts = new[] { "short", "a much longer prompt that puts this sequence far ahead", "middle length one" }
            .Select(p => model.Tokenizer.Encode(p).Select(i => (long)i).ToArray()).ToArray();
        var cut = 2;
        var alone = prompts.Select(_ => model.NewCache(cut, model.StageCount)).ToArray();
        var batched = prompts.Select(_ => model.NewCache(cut, model.StageCount)).ToArray();
        var next = new long[prompts.Length];
        for (var i = 0; i < prompts.Length; i++)
        {
            var hidden = model.Forward(0, cut, [model.NewCache(0, cut)], prompts[i], null, prompts[i].Length);
            next[i] = TokenSampler.ArgMax(model.Forward(cut, model.StageCount, [alone[i]], null, hidden, prompts[i].Length));
            model.Forward(cut, model.StageCount, [batched[i]], null, hidden, prompts[i].Length);
        }

        var heads = prompts.Select(_ => model.NewCache(0, cut)).ToArray();
        var step = model.Forward(0, cut, heads, next, null, 1);
        var batchLogits = model.Forward(cut, model.StageCount, batched, null, step, 1);
        var vocab = model.Manifest.VocabSize;
        var width = model.Manifest.HiddenSize;
        for (var i = 0; i < prompts.Length; i++)
        {
            var single = model.Forward(cut, model.StageCount, [alone[i]], null, step[(i * width)..((i + 1) * width)], 1);
            Assert.True(MaxDifference(single, batchLogits[(i * vocab)..((i + 1) * vocab)]) <= 1e-4, $"sequence {i}");
            Assert.Equal(alone[i].Length, batched[i].Length);
        }
    }

    [Fact]
    public void Partition_BoundaryInsideAttention_RefusedNamingTheCrossingTensors()
    {
        var bytes = File.ReadAllBytes(Path.Combine(fixture.DirectoryOf(DecoderLayout.Gpt2), DecoderModelInfo.ModelFileName));
        var proto = ModelPartitioner.Parse(bytes, "model.onnx");
        string[] boundaries = ["/transformer/Add_output_0", "/transformer/h.0/attn/c_proj/Add_output_0", "/transformer/h.1/Add_1_output_0"];

        var error = Assert.Throws<PartitionException>(() => DecoderPartitioner.Partition(proto, "hash", boundaries));

        Assert.Contains("cannot cut before stage 2", error.Message);
        Assert.Contains("'/transformer/Add_output_0'", error.Message);
    }

    [Fact]
    public void Sample_SameSeedAndPosition_SameToken_DifferentSeeds_Differ()
    {
        var logits = Enumerable.Range(0, 1000).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var options = new SamplingOptions { Temperature = 1.0, TopP = 0.9, Seed = 42 };

        var first = Enumerable.Range(0, 32).Select(p => TokenSampler.Sample(logits, options, p)).ToList();
        var again = Enumerable.Range(0, 32).Select(p => TokenSampler.Sample(logits, options, p)).ToList();
        var other = Enumerable.Range(0, 32).Select(p => TokenSampler.Sample(logits, options with { Seed = 43 }, p)).ToList();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(first.Distinct().Count() > 1);
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
