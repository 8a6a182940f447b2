namespace EdgeSplit.Inference.Tests.Decoder;

/// <summary>Tiny GPT-2 and Llama layout decoders written once per test class into a temporary directory.</summary>
public sealed class DecoderFixture : IDisposable
{
    public DecoderFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "edgesplit-decoder-tests-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var layout in new[] { DecoderLayout.Gpt2, DecoderLayout.Llama })
        {
            DecoderModelWriter.Write(DirectoryOf(layout), layout, DecoderDimensions.Tiny(layout), seed: 7);
        }
    }

    public string Root { get; }

    public string DirectoryOf(DecoderLayout layout) => Path.Combine(Root, layout.ToString().ToLowerInvariant());

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
