using Grpc.Core;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Why a request was not answered: a gRPC status, a message naming the problem, and a retry hint. The message is
/// bounded because it often quotes the request (a hash, an id) and travels in the grpc-message trailer: a
/// 100 KB model hash echoed there once broke the client's HTTP/2 header limit and with it every call sharing the
/// connection (found by the fuzz test).
/// </summary>
internal sealed record EdgeError
{
    /// <summary>Longest message sent back, in characters.</summary>
    public const int MaxMessageLength = 512;

    public EdgeError(StatusCode code, string message, int retryAfterMs = 0)
    {
        Code = code;
        Message = Bound(message);
        RetryAfterMs = retryAfterMs;
    }

    public StatusCode Code { get; }

    public string Message { get; }

    public int RetryAfterMs { get; }

    public static EdgeError Invalid(string message) => new(StatusCode.InvalidArgument, message);

    /// <summary>Cuts client-controlled text to a size fit for a trailer or a log line, without control characters.</summary>
    public static string Bound(string text, int max = MaxMessageLength)
    {
        var cut = text.Length > max ? string.Concat(text.AsSpan(0, max - 1), "…") : text;
        return cut.Any(char.IsControl) ? new string([.. cut.Select(c => char.IsControl(c) ? ' ' : c)]) : cut;
    }
}
