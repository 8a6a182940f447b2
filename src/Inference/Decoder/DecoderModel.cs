using System.Diagnostics;
using System.Security.Cryptography;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Partitioning;
using EdgeSplit.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeSplit.Inference.Decoder;

/// <summary>
/// A partitioned decoder ready to run any stage range [from, to) for a batch of sequences, each with its own
/// <see cref="KvCache"/> and position. Sequences at different positions share one run: caches are left-padded
/// to the longest and the padding is masked out through <c>attention_mask</c>; positions come from
/// <c>position_ids</c>, so padding never shifts them. One ONNX Runtime session per stage, shared by all callers.
/// </summary>
public sealed class DecoderModel : IDisposable
{
    private readonly StageSessions _sessions;

    private DecoderModel(string origin, DecoderManifest manifest, DecoderModelInfo? info, StageSessions sessions)
    {
        Origin = origin;
        Manifest = manifest;
        Info = info;
        _sessions = sessions;
        Tokenizer = DecoderTokenizer.Create(info?.Tokenizer ?? DecoderTokenizer.Gpt2Name);
    }

    /// <summary>Where the model came from.</summary>
    public string Origin { get; }

    /// <summary>Sizes and stages.</summary>
    public DecoderManifest Manifest { get; }

    /// <summary>decoder.json, when the directory has one.</summary>
    public DecoderModelInfo? Info { get; }

    /// <summary>Tokenizer (decoder.json's, else GPT-2's).</summary>
    public DecoderTokenizer Tokenizer { get; }

    /// <summary>Stages: embeddings, layers, head. A cut k in [1, StageCount) runs [0,k) on the device and [k, StageCount) after it.</summary>
    public int StageCount => _sessions.Count;

    /// <summary>SHA-256 of model.onnx.</summary>
    public string ModelHash => Manifest.ModelHash;

    /// <summary>Loads a decoder directory (model.onnx [+ decoder.json]) or a model.onnx path and partitions it.</summary>
    public static DecoderModel Load(string path, RuntimeOptions? runtime = null, IReadOnlyList<string>? boundaries = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Directory.Exists(path) ? Path.Combine(path, DecoderModelInfo.ModelFileName) : path;
        if (!File.Exists(file))
        {
            throw new ModelLoadException($"decoder model '{file}' does not exist.");
        }

        var bytes = File.ReadAllBytes(file);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var partition = DecoderPartitioner.Partition(ModelPartitioner.Parse(bytes, file), hash, boundaries);
        var info = DecoderModelInfo.TryLoad(Path.GetDirectoryName(Path.GetFullPath(file))!);
        // A decoder runs one stage after another many times per token: spinning ORT workers between those short runs
        // only steal cores (measured several times slower on a shared 2-core machine), so the default does not spin.
        var sessions = StageSessions.Open(
            partition.Segments.Count,
            runtime ?? new RuntimeOptions { AllowSpinning = false },
            file,
            (i, options) => new InferenceSession(partition.Segments[i], options));

        return new DecoderModel(file, partition.Manifest, info, sessions);
    }

    /// <summary>
    /// Whether <paramref name="path"/> (a model.onnx or its directory) is a decoder: decoder.json beside it, or a graph
    /// input named <c>past_key_values.0.key</c>.
    /// </summary>
    public static bool IsDecoder(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return false;
        }

        var file = Directory.Exists(path) ? Path.Combine(path, DecoderModelInfo.ModelFileName) : path;
        if (!File.Exists(file))
        {
            return false;
        }

        if (File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, DecoderModelInfo.FileName)))
        {
            return true;
        }

        try
        {
            return Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(file)).Graph?.Input.Any(i => i.Name == TensorNames.PastKey(0)) == true;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return false;
        }
    }

    /// <summary>A new empty cache for stages [from, to).</summary>
    public KvCache NewCache(int from, int to)
    {
        CheckRange(from, to);
        return new KvCache(Manifest, from, to);
    }

    /// <summary>
    /// Runs stages [from, to) for <paramref name="caches"/>.Count sequences, each adding <paramref name="sequence"/> positions
    /// at its own <see cref="KvCache.Length"/>, and appends their keys and values to the caches. Input is token ids
    /// [batch × sequence] when from = 0, else hidden rows [batch × sequence × hidden]. Returns hidden rows
    /// [batch × sequence × hidden], or when to = StageCount the logits: [batch × vocab] of each sequence's last position
    /// (<paramref name="allPositions"/> false) or [batch × sequence × vocab].
    /// </summary>
    public float[] Forward(int from, int to, IReadOnlyList<KvCache> caches, long[]? ids, float[]? hidden, int sequence, bool allPositions = false, double[]? stageMs = null)
    {
        CheckRange(from, to);
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        var batch = caches.Count;
        var width = Manifest.HiddenSize;
        if (from == 0 ? ids?.Length != batch * sequence : hidden?.Length != batch * sequence * width)
        {
            throw new ArgumentException(from == 0
                ? $"stage 0 needs {batch * sequence} token ids."
                : $"stage {from} needs {batch * sequence * width} hidden values ({batch} × {sequence} × {width}).");
        }

        foreach (var cache in caches.Where(c => c.From != from || c.To != to))
        {
            throw new ArgumentException($"a cache for stages [{cache.From},{cache.To}) cannot run stages [{from},{to}).");
        }

        foreach (var cache in caches)
        {
            // Before any stage stores: growing copies only the positions already in use.
            cache.EnsureCapacity(cache.Length + sequence);
        }

        var total = caches.Max(c => c.Length) + sequence;
        var past = total - sequence;
        var mask = new long[batch * total];
        var positions = new long[batch * sequence];
        for (var r = 0; r < batch; r++)
        {
            var length = caches[r].Length;
            mask.AsSpan((r * total) + (past - length), length + sequence).Fill(1);
            for (var j = 0; j < sequence; j++)
            {
                positions[(r * sequence) + j] = length + j;
            }
        }

        var disposables = new List<IDisposable>();
        try
        {
            var maskValue = Track(OrtValue.CreateTensorValueFromMemory(mask, [batch, total]), disposables);
            var positionValue = Track(OrtValue.CreateTensorValueFromMemory(positions, [batch, sequence]), disposables);
            var idsValue = ids is null ? null : Track(OrtValue.CreateTensorValueFromMemory(ids, [batch, sequence]), disposables);
            var current = hidden is null ? null : Track(OrtValue.CreateTensorValueFromMemory(hidden, [batch, sequence, width]), disposables);
            var clock = stageMs is null ? null : Stopwatch.StartNew();
            for (var stage = from; stage < to; stage++)
            {
                var layer = stage - 1;
                var cacheLayer = layer - caches[0].FirstLayer;
                var names = _sessions.InputNames(stage);
                var values = new OrtValue[names.Length];
                for (var i = 0; i < names.Length; i++)
                {
                    var name = names[i];
                    values[i] = name switch
                    {
                        TensorNames.HiddenIn => current!,
                        TensorNames.InputIds => idsValue!,
                        TensorNames.AttentionMask => maskValue,
                        TensorNames.PositionIds => positionValue,
                        _ when name == TensorNames.PastKey(layer) => Track(Past(caches, cacheLayer, past, keys: true), disposables),
                        _ when name == TensorNames.PastValue(layer) => Track(Past(caches, cacheLayer, past, keys: false), disposables),
                        _ => throw new InvalidOperationException($"stage {stage} asks for unknown input '{name}'."),
                    };
                }

                var outputs = Track(_sessions.Run(stage, values), disposables);
                current = outputs[0];
                for (var o = 1; o < outputs.Count; o++)
                {
                    var isKey = _sessions.OutputNames(stage)[o] == TensorNames.PresentKey(layer);
                    StorePresent(caches, cacheLayer, outputs[o], total, sequence, isKey);
                }

                if (clock is not null)
                {
                    stageMs![stage] = clock.Elapsed.TotalMilliseconds;
                    clock.Restart();
                }
            }

            foreach (var cache in caches)
            {
                cache.Length += sequence;
            }

            var data = current!.GetTensorDataAsSpan<float>();
            if (to < StageCount || allPositions || sequence == 1)
            {
                return data.ToArray();
            }

            var vocab = Manifest.VocabSize;
            var last = new float[batch * vocab];
            for (var r = 0; r < batch; r++)
            {
                data.Slice(((r * sequence) + sequence - 1) * vocab, vocab).CopyTo(last.AsSpan(r * vocab));
            }

            return last;
        }
        finally
        {
            for (var i = disposables.Count - 1; i >= 0; i--)
            {
                disposables[i].Dispose();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _sessions.Dispose();

    private OrtValue Past(IReadOnlyList<KvCache> caches, int cacheLayer, int past, bool keys)
    {
        var heads = Manifest.KvHeads;
        var dim = Manifest.HeadDim;
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [caches.Count, heads, past, dim]);
        var span = value.GetTensorMutableDataAsSpan<float>();
        for (var r = 0; r < caches.Count; r++)
        {
            var length = caches[r].Length;
            for (var h = 0; h < heads; h++)
            {
                // Left padding (masked out) then this sequence's positions.
                var row = span.Slice(((r * heads) + h) * past * dim, past * dim);
                row[..((past - length) * dim)].Clear();
                caches[r].Head(cacheLayer, keys, h)[..(length * dim)].CopyTo(row[((past - length) * dim)..]);
            }
        }

        return value;
    }

    /// <summary>Appends the <paramref name="sequence"/> new positions of each sequence's present to its cache (the rest it already holds).</summary>
    private void StorePresent(IReadOnlyList<KvCache> caches, int cacheLayer, OrtValue present, int total, int sequence, bool keys)
    {
        var heads = Manifest.KvHeads;
        var dim = Manifest.HeadDim;
        var span = present.GetTensorDataAsSpan<float>();
        for (var r = 0; r < caches.Count; r++)
        {
            var length = caches[r].Length;
            for (var h = 0; h < heads; h++)
            {
                span.Slice(((((r * heads) + h) * total) + total - sequence) * dim, sequence * dim).CopyTo(caches[r].Head(cacheLayer, keys, h)[(length * dim)..]);
            }
        }
    }

    private static T Track<T>(T value, List<IDisposable> disposables)
        where T : IDisposable
    {
        disposables.Add(value);
        return value;
    }

    private void CheckRange(int from, int to)
    {
        if (from < 0 || to > StageCount || to <= from)
        {
            throw new ArgumentException($"stage range [{from},{to}) is not within [0,{StageCount}).");
        }
    }
}
