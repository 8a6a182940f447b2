using System.Diagnostics;
using System.Security.Cryptography;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Partitioning;
using EdgeSplit.Inference.Text;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSplit.Inference.Runtime;

/// <summary>
/// A partitioned encoder ready to run any range of stages: one ONNX Runtime session per stage, shared
/// by all callers (<c>InferenceSession.Run</c> is thread-safe). Stage tensors flow between sessions as
/// <see cref="OrtValue"/>s without copies; only the cut tensor is copied out.
/// </summary>
public sealed class SplitModel : IDisposable
{
    private readonly StageSessions _sessions;

    private SplitModel(ModelSource source, PartitionManifest manifest, StageSessions sessions, WordPieceTokenizer tokenizer, ModelLoadTimings loadTimings)
    {
        Source = source;
        Manifest = manifest;
        _sessions = sessions;
        Tokenizer = tokenizer;
        LoadTimings = loadTimings;
    }

    /// <summary>Where the model came from.</summary>
    public ModelSource Source { get; }

    /// <summary>Stages, hashes, shapes.</summary>
    public PartitionManifest Manifest { get; }

    /// <summary>Tokenizer built from the model's vocabulary.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>What loading cost.</summary>
    public ModelLoadTimings LoadTimings { get; }

    /// <summary>Number of stages (embeddings + layers + pooling). A cut k in [0, StageCount] runs stages [0,k) first.</summary>
    public int StageCount => _sessions.Count;

    /// <summary>Hidden-state width.</summary>
    public int HiddenSize => Manifest.HiddenSize;

    /// <summary>SHA-256 of the source model.</summary>
    public string ModelHash => Manifest.ModelHash;

    /// <summary>Hashes, partitions (or loads the cached partition) and opens one session per stage.</summary>
    public static SplitModel Load(ModelSource source, SplitModelOptions? options = null)
    {
        options ??= new SplitModelOptions();
        var partitionOptions = new PartitionOptions { Boundaries = options.Boundaries, Pooling = source.Pooling };
        var clock = Stopwatch.StartNew();
        var hash = Convert.ToHexStringLower(SHA256.HashData(source.ModelBytes));
        var hashMs = Lap(clock);

        var cache = options.UseCache ? options.Cache ?? SegmentCache.Default() : null;
        var directory = cache?.DirectoryFor(hash, partitionOptions);
        var manifest = directory is null ? null : cache!.TryLoad(directory);
        double parseMs = 0, partitionMs = 0, writeMs = 0;
        IReadOnlyList<byte[]>? segmentBytes = null;
        var cacheHit = manifest is not null;
        if (manifest is null)
        {
            var model = ModelPartitioner.Parse(source.ModelBytes, source.Origin);
            parseMs = Lap(clock);
            var partition = ModelPartitioner.Partition(model, source.Id, hash, partitionOptions);
            partitionMs = Lap(clock);
            manifest = partition.Manifest;
            segmentBytes = partition.Segments;
            if (directory is not null)
            {
                TryWriteCache(directory, partition);
                writeMs = Lap(clock);
            }
        }

        var tokenizer = new WordPieceTokenizer(source.VocabBytes, options.Runtime.MaxTokens);
        if (manifest.VocabSize is int rows && tokenizer.VocabSize > rows)
        {
            throw new ModelLoadException(
                $"the vocabulary has {tokenizer.VocabSize} entries but the model's embedding table has only {rows} rows: this vocab does not belong to '{source.Origin}'.");
        }

        var sessions = StageSessions.Open(manifest.Stages.Count, options.Runtime, source.Origin, (i, sessionOptions) => segmentBytes is not null
            ? new InferenceSession(segmentBytes[i], sessionOptions)
            : new InferenceSession(Path.Combine(directory!, manifest.Stages[i].File), sessionOptions));

        var sessionsMs = Lap(clock);
        var loadTimings = new ModelLoadTimings(cacheHit, hashMs, parseMs, partitionMs, writeMs, sessionsMs, directory);
        return new SplitModel(source, manifest, sessions, tokenizer, loadTimings);
    }

    /// <summary>
    /// Runs every stage once on a short input, so the first real request does not pay ONNX Runtime's
    /// first-run allocations (tens of milliseconds here).
    /// </summary>
    public void WarmUp() => Embed(Tokenize(["warm up every stage session"]));

    /// <summary>Tokenizes texts into one padded batch.</summary>
    public TokenBatch Tokenize(IReadOnlyList<string> texts) => Tokenizer.EncodeBatch(texts);

    /// <summary>Runs stages [0, <paramref name="cut"/>) and returns the hidden state at the cut (1 ≤ cut &lt; StageCount).</summary>
    public Activation RunHead(TokenBatch tokens, int cut, double[]? stageMs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cut, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cut, StageCount);
        var data = Run(tokens, null, 0, cut, stageMs);
        return new Activation(cut, tokens.Batch, tokens.Sequence, HiddenSize, data, tokens.AttentionMask);
    }

    /// <summary>Runs stages [activation.Cut, <paramref name="cut"/>) on a hidden state.</summary>
    public Activation Continue(Activation activation, int cut, double[]? stageMs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cut, activation.Cut);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cut, StageCount);
        var data = Run(null, activation, activation.Cut, cut, stageMs);
        return activation with { Cut = cut, Data = data };
    }

    /// <summary>
    /// Runs the remaining stages of an activation to sentence embeddings (one array per row). Cancelling
    /// <paramref name="cancellationToken"/> stops the run inside the current stage (ONNX Runtime's terminate flag)
    /// and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public float[][] Finish(Activation activation, double[]? stageMs = null, CancellationToken cancellationToken = default) =>
        Split(Run(null, activation, activation.Cut, StageCount, stageMs, cancellationToken), activation.Batch);

    /// <summary>Runs every stage locally; cancellable like <see cref="Finish"/>.</summary>
    public float[][] Embed(TokenBatch tokens, double[]? stageMs = null, CancellationToken cancellationToken = default) =>
        Split(Run(tokens, null, 0, StageCount, stageMs, cancellationToken), tokens.Batch);

    /// <summary>
    /// Runs stages [from, to) from either token ids (from = 0) or a hidden state; returns the last output's data.
    /// A cancellable <paramref name="cancellationToken"/> gets its own ONNX Runtime run options whose terminate
    /// flag it sets, so a cancelled run stops within the operator being executed, not at the end of the stage.
    /// </summary>
    public float[] Run(TokenBatch? tokens, Activation? hidden, int from, int to, double[]? stageMs = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(to, StageCount);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(to, from);
        if (from == 0 && tokens is null)
        {
            throw new ArgumentException("stage 0 needs token ids.", nameof(tokens));
        }

        if (from > 0 && hidden is null)
        {
            throw new ArgumentException($"stage {from} needs a hidden state.", nameof(hidden));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var batch = tokens?.Batch ?? hidden!.Batch;
        var sequence = tokens?.Sequence ?? hidden!.Sequence;
        long[] tokenShape = [batch, sequence];
        var mask = tokens?.AttentionMask ?? hidden!.AttentionMask;
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, tokenShape);
        using var ids = tokens is null ? null : OrtValue.CreateTensorValueFromMemory(tokens.InputIds, tokenShape);
        using var types = tokens is null ? null : OrtValue.CreateTensorValueFromMemory(tokens.TokenTypeIds, tokenShape);
        using var cancellable = cancellationToken.CanBeCanceled ? new RunOptions() : null;
        using var registration = cancellable is null ? default : cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, cancellable);
        var current = hidden is null ? null : OrtValue.CreateTensorValueFromMemory(hidden.Data, [batch, sequence, hidden.Hidden]);
        IDisposable? owner = current;
        try
        {
            var clock = stageMs is null ? null : Stopwatch.StartNew();
            for (var stage = from; stage < to; stage++)
            {
                var names = _sessions.InputNames(stage);
                var values = new OrtValue[names.Length];
                for (var i = 0; i < names.Length; i++)
                {
                    values[i] = names[i] switch
                    {
                        TensorNames.HiddenIn => current!,
                        TensorNames.AttentionMask => maskValue,
                        TensorNames.InputIds => ids!,
                        TensorNames.TokenTypeIds => types!,
                        _ => throw new InvalidOperationException($"stage {stage} asks for unknown input '{names[i]}'."),
                    };
                }

                IDisposableReadOnlyCollection<OrtValue> outputs;
                try
                {
                    outputs = _sessions.Run(stage, values, cancellable);
                }
                catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException($"run of stages [{from},{to}) cancelled in stage {stage}", cancellationToken);
                }

                owner?.Dispose();
                owner = outputs;
                current = outputs[0];
                cancellationToken.ThrowIfCancellationRequested();
                if (clock is not null)
                {
                    stageMs![stage] = clock.Elapsed.TotalMilliseconds;
                    clock.Restart();
                }
            }

            return current!.GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            owner?.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _sessions.Dispose();

    private static float[][] Split(float[] data, int batch) => SplitRows(data, batch);

    /// <summary>One array per row of a [rows, width] block (the edge answers each request of a batch with its own rows).</summary>
    internal static float[][] SplitRows(ReadOnlySpan<float> data, int batch)
    {
        var width = data.Length / batch;
        var rows = new float[batch][];
        for (var i = 0; i < batch; i++)
        {
            rows[i] = data.Slice(i * width, width).ToArray();
        }

        return rows;
    }

    private static double Lap(Stopwatch clock)
    {
        var ms = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        return ms;
    }

    private static void TryWriteCache(string directory, PartitionedModel partition)
    {
        try
        {
            SegmentCache.Write(directory, partition);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only or full cache only costs the next start a re-partition; the model is still usable.
            Trace.TraceWarning($"edgesplit: cannot write segment cache '{directory}': {ex.Message}");
        }
    }
}
