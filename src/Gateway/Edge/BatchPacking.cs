using System.Diagnostics;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.Gateway.Edge;

/// <summary>Tensor packing for a micro-batch: requests into one padded tensor, and each request's rows back out.</summary>
internal static class BatchPacking
{
    /// <summary>Copies the batch's requests into one tensor padded to <paramref name="sequence"/> (padding: id 0, mask 0, zeros).</summary>
    public static (TokenBatch? Tokens, Activation? Activation) Pack(List<WorkItem> batch, int rows, int sequence, int hidden, int stage)
    {
        if (batch.Count == 1 && batch[0].Sequence == sequence)
        {
            var only = batch[0];
            return stage == 0
                ? (new TokenBatch(rows, sequence, only.InputIds!, only.Mask, only.TokenTypeIds!), null)
                : (null, new Activation(stage, rows, sequence, hidden, only.Hidden!, only.Mask));
        }

        var mask = new long[rows * sequence];
        long[]? ids = stage == 0 ? new long[rows * sequence] : null;
        long[]? types = stage == 0 ? new long[rows * sequence] : null;
        float[]? data = stage == 0 ? null : new float[rows * sequence * hidden];
        var row = 0;
        foreach (var item in batch)
        {
            for (var r = 0; r < item.Rows; r++, row++)
            {
                var from = r * item.Sequence;
                var to = row * sequence;
                item.Mask.AsSpan(from, item.Sequence).CopyTo(mask.AsSpan(to));
                if (stage == 0)
                {
                    item.InputIds.AsSpan(from, item.Sequence).CopyTo(ids.AsSpan(to));
                    item.TokenTypeIds.AsSpan(from, item.Sequence).CopyTo(types.AsSpan(to));
                }
                else
                {
                    item.Hidden.AsSpan(from * hidden, item.Sequence * hidden).CopyTo(data.AsSpan(to * hidden));
                }
            }
        }

        Debug.Assert(row == rows, "every row packed");
        return stage == 0
            ? (new TokenBatch(rows, sequence, ids!, mask, types!), null)
            : (null, new Activation(stage, rows, sequence, hidden, data!, mask));
    }

    /// <summary>The largest magnitude in a request's hidden state (0 for token ids), for the non-finite output message.</summary>
    public static double MaxMagnitude(WorkItem item) =>
        item.Hidden is { Length: > 0 } data ? System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<float>(data) is var m ? Math.Abs(m) : 0 : 0;

    /// <summary>One request's rows of a padded [rows, sequence, hidden] block, without the padding.</summary>
    public static float[] Unpad(float[] padded, int firstRow, int rows, int itemSequence, int sequence, int hidden)
    {
        var result = new float[rows * itemSequence * hidden];
        for (var r = 0; r < rows; r++)
        {
            padded.AsSpan((firstRow + r) * sequence * hidden, itemSequence * hidden).CopyTo(result.AsSpan(r * itemSequence * hidden));
        }

        return result;
    }
}
