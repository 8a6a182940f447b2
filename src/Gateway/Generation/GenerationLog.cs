namespace EdgeSplit.Gateway.Generation;

/// <summary>Source-generated log messages of split generation.</summary>
internal static partial class GenerationLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Decoder {Origin} ({ModelHash}) ready: {Layers} layers, hidden {Hidden}, {Stages} stages in {LoadMs:F0} ms")]
    public static partial void DecoderLoaded(ILogger logger, string origin, string modelHash, int layers, int hidden, int stages, double loadMs);

    [LoggerMessage(EventId = 401, Level = LogLevel.Critical, Message = "The decoder cannot be loaded; stopping the node")]
    public static partial void DecoderLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 402, Level = LogLevel.Debug, Message = "Session {SessionId} opened at cut {Cut}, reserving {ReservedBytes} KV bytes")]
    public static partial void SessionOpened(ILogger logger, string sessionId, int cut, long reservedBytes);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "KV budget full ({ReservedBytes} of {BudgetBytes} bytes reserved); refusing a session asking for {RequestedBytes}")]
    public static partial void BudgetFull(ILogger logger, long reservedBytes, long budgetBytes, long requestedBytes);

    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "Session {SessionId} expired after {IdleSeconds:F1} s idle; {Bytes} KV bytes freed")]
    public static partial void SessionExpired(ILogger logger, string sessionId, double idleSeconds, long bytes);

    [LoggerMessage(EventId = 405, Level = LogLevel.Debug, Message = "Session {SessionId} refused: {Code} {Reason}")]
    public static partial void SessionRefused(ILogger logger, string sessionId, Grpc.Core.StatusCode code, string reason);

    [LoggerMessage(EventId = 406, Level = LogLevel.Error, Message = "A decode run of {Sessions} sessions from stage {Cut} failed")]
    public static partial void RunFailed(ILogger logger, int sessions, int cut, Exception exception);
}
