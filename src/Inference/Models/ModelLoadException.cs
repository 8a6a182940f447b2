namespace EdgeSplit.Inference.Models;

/// <summary>A model or vocabulary could not be read or does not fit; the message says why and names the file.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message)
        : base(message)
    {
    }

    public ModelLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
