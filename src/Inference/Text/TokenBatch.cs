namespace EdgeSplit.Inference.Text;

/// <summary>Token ids of a padded batch, row-major [Batch, Sequence]; padding has mask 0.</summary>
public sealed record TokenBatch(int Batch, int Sequence, long[] InputIds, long[] AttentionMask, long[] TokenTypeIds)
{
    /// <summary>Number of real (unpadded) tokens in row <paramref name="row"/>.</summary>
    public int Length(int row)
    {
        var count = 0;
        for (var i = 0; i < Sequence; i++)
        {
            count += (int)AttentionMask[(row * Sequence) + i];
        }

        return count;
    }
}
