namespace EdgeSplit.Gateway.Edge;

/// <summary>Carries a validation failure out of nested checks; never escapes <see cref="RequestDecoder"/>.</summary>
internal sealed class RequestRefusedException(EdgeError error) : Exception(error.Message)
{
    public EdgeError Error { get; } = error;
}
