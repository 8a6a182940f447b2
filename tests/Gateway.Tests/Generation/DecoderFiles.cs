namespace EdgeSplit.Gateway.Tests.Generation;

/// <summary>A tiny GPT-2-layout decoder written once per test class, loaded on the "device" side too.</summary>
public sealed class DecoderFiles : IDisposable
{
    public DecoderFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "edgesplit-gw-decoder-" + Guid.NewGuid().ToString("N")[..8]);
        DecoderModelWriter.Write(Directory, DecoderLayout.Gpt2, DecoderDimensions.Tiny(DecoderLayout.Gpt2), seed: 5);
        Model = DecoderModel.Load(Directory);
        LlamaDirectory = Path.Combine(Directory, "llama");
        DecoderModelWriter.Write(LlamaDirectory, DecoderLayout.Llama, DecoderDimensions.Tiny(DecoderLayout.Llama), seed: 5);
        Llama = DecoderModel.Load(LlamaDirectory);
    }

    /// <summary>A tiny Llama-layout decoder (grouped-query attention, rotary positions).</summary>
    public string LlamaDirectory { get; }

    internal DecoderModel Llama { get; }

    public string Directory { get; }

    public string ModelFile => Path.Combine(Directory, DecoderModelInfo.ModelFileName);

    internal DecoderModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        Llama.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
