using EdgeSplit.Inference.Models;

namespace EdgeSplit.Inference.Tests;

/// <summary>Loads the bundled model once per test collection: split runner and unsplit reference.</summary>
public sealed class ModelFixture : IDisposable
{
    public ModelFixture()
    {
        CacheRoot = Path.Combine(Path.GetTempPath(), "edgesplit-tests", Guid.NewGuid().ToString("N"));
        Source = ModelSource.Bundled();
        Model = SplitModel.Load(Source, new SplitModelOptions { Cache = new SegmentCache(CacheRoot) });
        Reference = new ReferenceModel(Source);
    }

    public string CacheRoot { get; }

    public ModelSource Source { get; }

    public SplitModel Model { get; }

    public ReferenceModel Reference { get; }

    public void Dispose()
    {
        Model.Dispose();
        Reference.Dispose();
        try
        {
            Directory.Delete(CacheRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ModelCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "bundled model";
}
