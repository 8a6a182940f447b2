namespace EdgeSplit.Inference.Decoder;

/// <summary>
/// One sequence's key/value cache for the layer stages of a stage range, float32 [kv_heads, positions, head_dim]
/// per layer, and the number of positions the range has processed (also for ranges with no layer).
/// </summary>
public sealed class KvCache
{
    /// <summary>Creates an empty cache for stages [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="manifest"/>.</summary>
    public KvCache(DecoderManifest manifest, int from, int to)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        From = from;
        To = to;
        FirstLayer = Math.Max(0, from - 1);
        LayerCount = Math.Max(0, Math.Min(to - 1, manifest.Layers) - FirstLayer);
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

    internal float[][] Keys { get; }

    internal float[][] Values { get; }
}
