namespace EdgeSplit.Inference.Partitioning;

/// <summary>The model cannot be cut where asked; the message names the offending tensors.</summary>
public sealed class PartitionException : Exception
{
    /// <summary>Creates the exception with a message that names the problem.</summary>
    public PartitionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message that names the problem and the error that caused it.</summary>
    public PartitionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
