namespace EdgeSplit.Inference.Partitioning;

/// <summary>The model cannot be cut where asked; the message names the offending tensors.</summary>
public sealed class PartitionException : Exception
{
    public PartitionException(string message)
        : base(message)
    {
    }

    public PartitionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
