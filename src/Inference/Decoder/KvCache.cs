namespace EdgeSplit.Inference.Decoder;

/// <summary>
/// One sequence's key/value cache for the layer stages of a stage range, float32 [kv_heads, capacity, head_dim]
/// per layer (the first <see cref="Length"/> positions of each head in use), and the number of positions the range
/// has processed (also for ranges with no layer). Capacity grows by doubling, so a decode step appends its one
/// position in place instead of reallocating the whole cache.
/// </summary>
public sealed class KvCache
{
    private const int MinimumCapacity = 32;
    private readonly int _heads;
    private readonly int _dim;

    /// <summary>Creates an empty cache for stages [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="manifest"/>.</summary>
    public KvCache(DecoderManifest manifest, int from, int to)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        From = from;
        To = to;
        FirstLayer = Math.Max(0, from - 1);
        LayerCount = Math.Max(0, Math.Min(to - 1, manifest.Layers) - FirstLayer);
        _heads = manifest.KvHeads;
        _dim = manifest.HeadDim;
        Keys = new float[LayerCount][];
        Values = new float[LayerCount][];
        for (var i = 0; i < LayerCount; i++)
        {
            Keys[i] = [];
            Values[i] = [];
        }

        BytesPerPosition = LayerCount * manifest.KvBytesPerPositionPerLayer;
    }

    /// <summary>First stage of the range.</summary>
    public int From { get; }

    /// <summary>Stage after the range.</summary>
    public int To { get; }

    /// <summary>Transformer layer of the first cached layer.</summary>
    public int FirstLayer { get; }

    /// <summary>Layers cached.</summary>
    public int LayerCount { get; }

    /// <summary>Positions processed so far (the next token's position).</summary>
    public int Length { get; internal set; }

    /// <summary>KV bytes one more position costs.</summary>
    public long BytesPerPosition { get; }

    /// <summary>KV bytes held.</summary>
    public long Bytes => BytesPerPosition * Length;

    /// <summary>Positions each layer's arrays have room for.</summary>
    internal int Capacity { get; private set; }

    internal float[][] Keys { get; }

    internal float[][] Values { get; }

    /// <summary>One head's room in a cached layer: <see cref="Capacity"/> positions of head_dim floats, the first <see cref="Length"/> in use.</summary>
    internal Span<float> Head(int layer, bool keys, int head) =>
        (keys ? Keys : Values)[layer].AsSpan(head * Capacity * _dim, Capacity * _dim);

    /// <summary>Makes room for <paramref name="positions"/> positions, keeping the <see cref="Length"/> in use.</summary>
    internal void EnsureCapacity(int positions)
    {
        if (positions <= Capacity)
        {
            return;
        }

        var capacity = Math.Max(positions, Math.Max(MinimumCapacity, 2 * Capacity));
        for (var layer = 0; layer < LayerCount; layer++)
        {
            Keys[layer] = Grow(Keys[layer], capacity);
            Values[layer] = Grow(Values[layer], capacity);
        }

        Capacity = capacity;
    }

    private float[] Grow(float[] source, int capacity)
    {
        var target = GC.AllocateUninitializedArray<float>(_heads * capacity * _dim);
        for (var h = 0; h < _heads; h++)
        {
            source.AsSpan(h * Capacity * _dim, Length * _dim).CopyTo(target.AsSpan(h * capacity * _dim));
        }

        return target;
    }
}
