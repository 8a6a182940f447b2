using Microsoft.Extensions.Logging;

namespace EdgeSplit.DeviceAgent.Resilience;

/// <summary>Source-generated log messages of the edge client.</summary>
internal static partial class ResilienceLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Edge connected: model {ModelId} ({Hash}), {Stages} stages, RTT {RttMs:F2} ms.")]
    public static partial void Connected(ILogger logger, string modelId, string hash, int stages, double rttMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Edge not reachable at start ({Reason}); running locally and probing in the background.")]
    public static partial void ConnectFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Edge circuit opened after {Failures} consecutive failures (last: {Kind}); all requests run locally until a probe succeeds.")]
    public static partial void CircuitOpened(ILogger logger, int failures, EdgeFailureKind kind);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Edge is back (probe answered in {RttMs:F2} ms); circuit closed.")]
    public static partial void EdgeBack(ILogger logger, double rttMs);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Edge probe failed: {Reason}.")]
    public static partial void ProbeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Edge call {RequestId} failed after {ElapsedMs:F1} ms: {Kind} {Error}.")]
    public static partial void CallFailed(ILogger logger, string requestId, double elapsedMs, EdgeFailureKind kind, string? error);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Edge manifest does not match the device model: {Reason}. Treating the edge as unavailable.")]
    public static partial void Incompatible(ILogger logger, string reason);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Edge refused this device's credentials at start ({Reason}): the device token is missing, expired, revoked or not for this edge. Running locally and probing in the background.")]
    public static partial void CredentialsRefused(ILogger logger, string reason);
}
