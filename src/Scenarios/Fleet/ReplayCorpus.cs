using EdgeSplit.Inference.Text;

namespace EdgeSplit.Scenarios.Fleet;

/// <summary>
/// Real activations of every corpus sentence at every cut, computed once with the real model, so hundreds
/// of simulated phones can send genuine tensors (and get genuine embeddings back) without each running ONNX.
/// </summary>
internal sealed class ReplayCorpus
{
    private readonly Dictionary<string, Entry> _byTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<float[], Entry> _byActivation = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, Entry> _byText = new(StringComparer.Ordinal);

    public ReplayCorpus(SplitModel model, IReadOnlyList<string> texts)
    {
        Texts = texts;
        StageCount = model.StageCount;
        foreach (var text in texts)
        {
            var tokens = model.Tokenize([text]);
            var activations = new Activation[model.StageCount];
            var current = model.RunHead(tokens, 1);
            activations[1] = current;
            for (var cut = 2; cut < model.StageCount; cut++)
            {
                current = model.Continue(current, cut);
                activations[cut] = current;
            }

            var entry = new Entry(tokens, activations, model.Finish(current)[0]);
            _byTokens[Key(tokens)] = entry;
            _byText[text] = entry;
            foreach (var activation in activations.Skip(1))
            {
                _byActivation[activation.Data] = entry;
            }
        }
    }

    public IReadOnlyList<string> Texts { get; }

    public int StageCount { get; }

    public Entry Find(string text) =>
        _byText.TryGetValue(text, out var entry) ? entry : throw new InvalidOperationException("this text is not in the replay corpus.");

    public Entry Find(TokenBatch tokens) =>
        _byTokens.TryGetValue(Key(tokens), out var entry) ? entry : throw new InvalidOperationException("this text is not in the replay corpus.");

    public Entry Find(Activation activation) =>
        _byActivation.TryGetValue(activation.Data, out var entry) ? entry : throw new InvalidOperationException("this activation is not from the replay corpus.");

    private static string Key(TokenBatch tokens) => string.Join(',', tokens.InputIds);

    /// <summary>One sentence: its tokens, the hidden state entering every stage, and its embedding.</summary>
    internal sealed record Entry(TokenBatch Tokens, Activation[] Activations, float[] Embedding);
}
