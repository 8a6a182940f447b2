using EdgeSplit.Inference.Decoder;

namespace EdgeSplit.Functional.Tests.Generation;

/// <summary>A tiny GPT-2-layout decoder written once per class, its uninterrupted greedy tokens, and edge processes serving it.</summary>
public sealed class GenerationHarness : IDisposable
{
    public const string Prompt = "Split generation keeps every token when the edge goes away";
    public const int Tokens = 48;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory = new();

    public GenerationHarness()
    {
        ModelDirectory = _directory.Combine("gpt2");
        DecoderModelWriter.Write(ModelDirectory, DecoderLayout.Gpt2, DecoderDimensions.Tiny(DecoderLayout.Gpt2), seed: 11);
        Model = DecoderModel.Load(ModelDirectory);
        PromptIds = Model.Tokenizer.Encode(Prompt);
        Expected = [.. Collect(new SplitGenerator(Model), Request(null)).Select(t => t.Token)];
    }

    public string ModelDirectory { get; }

    internal DecoderModel Model { get; }

    public IReadOnlyList<int> PromptIds { get; }

    /// <summary>Greedy tokens of an uninterrupted, fully local run.</summary>
    public IReadOnlyList<int> Expected { get; }

    public string ModelFile => Path.Combine(ModelDirectory, DecoderModelInfo.ModelFileName);

    /// <summary>Starts an edge serving the decoder (one ORT thread: it shares two cores with the device).</summary>
    internal Task<GatewayProcess> StartEdgeAsync(params string[] settings) =>
        GatewayProcess.StartAsync(RepoPaths.GatewayDll, ["--EdgeSplit:Edge:IntraOpThreads=1", $"--EdgeSplit:Edge:ModelPath={ModelFile}", .. settings], Timeout, name: "decoder edge");

    internal GenerationRequest Request(int? cut, int tokens = Tokens) => new() { Prompt = PromptIds, MaxNewTokens = tokens, Cut = cut };

    internal static List<GeneratedToken> Collect(SplitGenerator generator, GenerationRequest request) =>
        CollectAsync(generator, request).GetAwaiter().GetResult();

    internal static async Task<List<GeneratedToken>> CollectAsync(SplitGenerator generator, GenerationRequest request, Action<int>? afterToken = null)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var tokens = new List<GeneratedToken>();
        await foreach (var token in generator.GenerateAsync(request, timeout.Token))
        {
            tokens.Add(token);
            afterToken?.Invoke(tokens.Count);
        }

        return tokens;
    }

    public void Dispose()
    {
        Model.Dispose();
        _directory.Dispose();
    }
}
