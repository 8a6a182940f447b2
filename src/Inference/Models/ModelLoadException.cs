namespace EdgeSplit.Inference.Models;

/// <summary>A model or vocabulary could not be read or does not fit; the message says why and names the file.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception with a message that names the problem.</summary>
    public ModelLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message that names the problem and the error that caused it.</summary>
    public ModelLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
