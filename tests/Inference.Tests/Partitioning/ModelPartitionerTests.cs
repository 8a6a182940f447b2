using EdgeSplit.Inference.Models;

namespace EdgeSplit.Inference.Tests.Partitioning;

[Collection(ModelCollection.Name)]
public sealed class ModelPartitionerTests(ModelFixture fixture)
{
    [Fact]
    public void Partition_BundledModel_EmbeddingsSixLayersAndPoolingWithTypedBoundaries()
    {
        var manifest = Partition().Manifest;

        Assert.Equal(["embeddings", "layer.0", "layer.1", "layer.2", "layer.3", "layer.4", "layer.5", "pooling"], manifest.Stages.Select(s => s.Name));
        Assert.Equal(384, manifest.HiddenSize);
        Assert.Equal(30522, manifest.VocabSize);
        Assert.Equal(["input_ids", "token_type_ids"], manifest.Stages[0].Inputs.Select(i => i.Name));
        foreach (var stage in manifest.Stages.Skip(1))
        {
            var hidden = Assert.Single(stage.Inputs, i => i.Name == TensorNames.HiddenIn);
            Assert.Equal("float32", hidden.ElementType);
            Assert.Equal(["batch", "sequence", "384"], hidden.Shape);
            Assert.Contains(stage.Inputs, i => i.Name == TensorNames.AttentionMask && i.ElementType == "int64");
        }

        foreach (var stage in manifest.Stages.SkipLast(1))
        {
            var output = Assert.Single(stage.Outputs);
            Assert.Equal(TensorNames.HiddenOut, output.Name);
            Assert.Equal(["batch", "sequence", "384"], output.Shape);
        }

        Assert.Equal(["batch", "384"], Assert.Single(manifest.Stages[^1].Outputs).Shape);
    }

    [Fact]
    public void Partition_ExplicitBoundaries_SameSegmentsAsAutomatic()
    {
        var automatic = Partition();

        var explicitCut = Partition(new PartitionOptions { Boundaries = automatic.Manifest.Boundaries });

        Assert.Equal(automatic.Segments.Count, explicitCut.Segments.Count);
        for (var i = 0; i < automatic.Segments.Count; i++)
        {
            Assert.Equal(automatic.Segments[i], explicitCut.Segments[i]);
        }
    }

    [Fact]
    public void Partition_NumericNodeNamesReplaced_FindsSameBoundaries()
    {
        var model = ModelPartitioner.Parse(fixture.Source.ModelBytes, "test");
        var expected = ModelPartitioner.Partition(model, "m", "0000000000000000", new PartitionOptions()).Manifest.Boundaries;
        var random = new Random(7);
        foreach (var node in model.Graph.Node)
        {
            node.Name = $"n{random.Next():x}";
        }

        var actual = ModelPartitioner.Partition(model, "m", "0000000000000000", new PartitionOptions()).Manifest.Boundaries;

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Partition_CutInsideAttention_FailsNamingTheCrossingTensors()
    {
        var model = ModelPartitioner.Parse(fixture.Source.ModelBytes, "test");
        var boundaries = ModelPartitioner.Partition(model, "m", "0000000000000000", new PartitionOptions()).Manifest.Boundaries.ToList();

        // The query projection of layer 0: key, value and the residual (all computed from the embeddings) also cross this cut.
        var query = model.Graph.Node.First(n => n.Input.Contains("encoder.layer.0.attention.self.query.bias")).Output[0];
        boundaries.Insert(1, query);
        var error = Assert.Throws<PartitionException>(() =>
            ModelPartitioner.Partition(model, "m", "0000000000000000", new PartitionOptions { Boundaries = boundaries }));

        Assert.Contains($"at '{query}'", error.Message);
        Assert.Contains("depends on input_ids", error.Message);
        // The residual connection carries the embeddings output straight across the cut.
        Assert.Contains($"'{boundaries[0]}'", error.Message);
    }

    [Fact]
    public void Partition_UnknownBoundaryName_FailsNamingIt()
    {
        var error = Assert.Throws<PartitionException>(() => Partition(new PartitionOptions { Boundaries = ["no_such_tensor"] }));

        Assert.Contains("'no_such_tensor'", error.Message);
    }

    [Fact]
    public void Partition_BoundariesOutOfOrder_FailsClearly()
    {
        var boundaries = Partition().Manifest.Boundaries.ToList();
        (boundaries[2], boundaries[3]) = (boundaries[3], boundaries[2]);

        var error = Assert.Throws<PartitionException>(() => Partition(new PartitionOptions { Boundaries = boundaries }));

        Assert.Contains(boundaries[2], error.Message);
    }

    [Fact]
    public void Partition_NoBertParameterNames_AsksForExplicitBoundaries()
    {
        var model = ModelPartitioner.Parse(fixture.Source.ModelBytes, "test");
        var renamed = new Dictionary<string, string>();
        foreach (var initializer in model.Graph.Initializer)
        {
            renamed[initializer.Name] = $"w{renamed.Count}";
            initializer.Name = renamed[initializer.Name];
        }

        foreach (var node in model.Graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                node.Input[i] = renamed.GetValueOrDefault(node.Input[i], node.Input[i]);
            }
        }

        var error = Assert.Throws<PartitionException>(() => ModelPartitioner.Partition(model, "m", "0000000000000000", new PartitionOptions()));

        Assert.Contains("give the boundary tensors explicitly", error.Message);
    }

    [Fact]
    public void Parse_NotAnOnnxFile_FailsNamingTheFile()
    {
        var error = Assert.Throws<ModelLoadException>(() => ModelPartitioner.Parse("this is not a model"u8.ToArray(), "notes.txt"));

        Assert.Contains("'notes.txt' is not an ONNX model", error.Message);
    }

    [Fact]
    public async Task Segments_EveryStage_PassesOnnxChecker()
    {
        var directory = Path.Combine(fixture.CacheRoot, "checker");
        var partition = Partition();
        SegmentCache.Write(directory, partition);
        var files = partition.Manifest.Stages.Select(s => Path.Combine(directory, s.File)).ToList();

        await ChildProcess.AssertOnnxCheckerPassesAsync(files);
    }

    [Fact]
    public void Load_SecondTime_HitsCacheAndGivesSameEmbeddings()
    {
        var cache = new SegmentCache(Path.Combine(fixture.CacheRoot, "warm"));
        var texts = new[] { "cache me if you can" };
        using var cold = SplitModel.Load(fixture.Source, new SplitModelOptions { Cache = cache });
        var expected = cold.Embed(cold.Tokenize(texts))[0];

        using var warm = SplitModel.Load(fixture.Source, new SplitModelOptions { Cache = cache });

        Assert.False(cold.LoadTimings.CacheHit);
        Assert.True(warm.LoadTimings.CacheHit);
        Assert.Equal(0, warm.LoadTimings.PartitionMs);
        Assert.Equal(expected, warm.Embed(warm.Tokenize(texts))[0]);
    }

    [Fact]
    public void Load_CorruptCacheFile_RepartitionsInsteadOfFailing()
    {
        var cache = new SegmentCache(Path.Combine(fixture.CacheRoot, "corrupt"));
        using (SplitModel.Load(fixture.Source, new SplitModelOptions { Cache = cache }))
        {
        }

        var directory = Directory.GetDirectories(cache.Root).Single();
        File.WriteAllBytes(Path.Combine(directory, ModelPartitioner.SegmentFileName(3)), [1, 2, 3]);

        using var reloaded = SplitModel.Load(fixture.Source, new SplitModelOptions { Cache = cache });

        Assert.False(reloaded.LoadTimings.CacheHit);
        Assert.Equal(384, reloaded.Embed(reloaded.Tokenize(["still works"]))[0].Length);
    }

    [Fact]
    public void Load_VocabLargerThanEmbeddingTable_FailsClearly()
    {
        var directory = Path.Combine(fixture.CacheRoot, "badvocab");
        Directory.CreateDirectory(directory);
        var model = Path.Combine(directory, "model.onnx");
        var vocab = Path.Combine(directory, "vocab.txt");
        File.WriteAllBytes(model, fixture.Source.ModelBytes);
        File.WriteAllText(vocab, System.Text.Encoding.UTF8.GetString(fixture.Source.VocabBytes) + string.Join('\n', Enumerable.Range(0, 500).Select(i => $"extra{i}")));

        var error = Assert.Throws<ModelLoadException>(() =>
            SplitModel.Load(ModelSource.FromFiles(model, vocab), new SplitModelOptions { Cache = new SegmentCache(directory) }));

        Assert.Contains("31022 entries", error.Message);
        Assert.Contains("30522 rows", error.Message);
    }

    [Fact]
    public void Load_ArcticXsUserModel_EveryCutMatchesItsUnsplitModel()
    {
        var (modelPath, vocabPath) = ArcticModel.ExtractTo(Path.Combine(fixture.CacheRoot, "arctic"));
        var source = ModelSource.FromFiles(modelPath, vocabPath, PoolingMode.Cls);
        using var model = SplitModel.Load(source, new SplitModelOptions { Cache = new SegmentCache(Path.Combine(fixture.CacheRoot, "arctic-cache")) });
        using var reference = new ReferenceModel(source);
        var tokens = model.Tokenize(Corpus.MixedLengths);
        var hidden = reference.LastHiddenState(tokens);

        Assert.NotEqual(fixture.Model.ModelHash, model.ModelHash);
        Assert.Equal(8, model.StageCount);
        for (var cut = 1; cut < model.StageCount; cut++)
        {
            var embeddings = model.Finish(model.RunHead(tokens, cut));
            for (var row = 0; row < tokens.Batch; row++)
            {
                // CLS pooling: the first token's state, normalised.
                var cls = hidden.AsSpan(row * tokens.Sequence * 384, 384).ToArray();
                Assert.True(Vectors.Cosine(cls, embeddings[row]) >= 0.99999, $"cut {cut} row {row}");
            }
        }
    }

    private PartitionedModel Partition(PartitionOptions? options = null)
    {
        var model = ModelPartitioner.Parse(fixture.Source.ModelBytes, fixture.Source.Origin);
        return ModelPartitioner.Partition(model, fixture.Source.Id, fixture.Model.ModelHash, options ?? new PartitionOptions());
    }
}
