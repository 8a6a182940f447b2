namespace EdgeSplit.Cli;

/// <summary>Options shared by commands that load a model.</summary>
internal sealed class ModelOptions
{
    public Option<FileInfo?> Model { get; } = new("--model") { Description = "ONNX encoder to use instead of the bundled all-MiniLM-L6-v2" };

    public Option<FileInfo?> Vocab { get; } = new("--vocab") { Description = "WordPiece vocab.txt of --model" };

    public Option<PoolingMode> Pooling { get; } = new("--pooling") { Description = "Pooling of a user model: mean or cls", DefaultValueFactory = _ => PoolingMode.Mean };

    public Option<string?> Boundaries { get; } = new("--boundaries") { Description = "Comma-separated boundary tensor names (default: found from BERT parameter names)" };

    public Option<int> MaxTokens { get; } = new("--max-tokens") { Description = "Truncate texts to this many tokens", DefaultValueFactory = _ => 256 };

    public Option<int> Threads { get; } = new("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per core)", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Vocab);
        command.Options.Add(Pooling);
        command.Options.Add(Boundaries);
        command.Options.Add(MaxTokens);
        command.Options.Add(Threads);
    }

    public ModelSource LoadSource(ParseResult result)
    {
        var model = result.GetValue(Model);
        var vocab = result.GetValue(Vocab);
        if (model is null)
        {
            return vocab is null ? ModelSource.Bundled() : throw new CliException("--vocab needs --model.");
        }

        if (vocab is null)
        {
            throw new CliException("--model needs --vocab (the model's vocab.txt).");
        }

        return ModelSource.FromFiles(model.FullName, vocab.FullName, result.GetValue(Pooling));
    }

    public SplitModelOptions SplitOptions(ParseResult result)
    {
        var maxTokens = result.GetValue(MaxTokens);
        if (maxTokens < 3)
        {
            throw new CliException("--max-tokens must be at least 3 ([CLS], one token, [SEP]).");
        }

        return new SplitModelOptions
        {
            Boundaries = ParseBoundaries(result.GetValue(Boundaries)),
            Runtime = new RuntimeOptions { MaxTokens = maxTokens, IntraOpThreads = Math.Max(0, result.GetValue(Threads)) },
        };
    }

    public static IReadOnlyList<string>? ParseBoundaries(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
