using Microsoft.Extensions.Logging;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>Source-generated log messages of the split agent.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Device profiled in {Ms:F0} ms: {Summary}.")]
    public static partial void Profiled(ILogger logger, double ms, string summary);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Request {RequestId}: {Tokens} tokens, cut {Cut} ({Encoding}), predicted {PredictedMs:F2} ms, actual {ActualMs:F2} ms via {Route}. {Reason}")]
    public static partial void Answered(ILogger logger, string requestId, int tokens, int cut, string encoding, double predictedMs, double actualMs, string route, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Request {RequestId}: edge path failed ({Kind}) after the cut; finished locally from stage {Cut}.")]
    public static partial void FellBack(ILogger logger, string requestId, string kind, int cut);
}
