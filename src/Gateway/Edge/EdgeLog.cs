namespace EdgeSplit.Gateway.Edge;

/// <summary>Source-generated log messages of the edge node.</summary>
internal static partial class EdgeLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loading model {Origin}")]
    public static partial void ModelLoading(ILogger logger, string origin);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Model {ModelId} ({ModelHash}) ready: {StageCount} stages in {LoadMs:F0} ms (segment cache hit: {CacheHit})")]
    public static partial void ModelLoaded(ILogger logger, string modelId, string modelHash, int stageCount, double loadMs, bool cacheHit);

    [LoggerMessage(EventId = 3, Level = LogLevel.Critical, Message = "The model cannot be loaded; stopping the node")]
    public static partial void ModelLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Request {RequestId} refused: {Code} {Reason}")]
    public static partial void RequestRefused(ILogger logger, string requestId, Grpc.Core.StatusCode code, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Queue full ({QueueDepth} requests); refusing with retry-after {RetryAfterMs} ms")]
    public static partial void QueueFull(ILogger logger, int queueDepth, int retryAfterMs);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Dropped a request whose deadline passed after {QueueMs:F1} ms in the queue")]
    public static partial void DeadlineDropped(ILogger logger, double queueMs);

    [LoggerMessage(EventId = 7, Level = LogLevel.Trace, Message = "Batch of {Requests} requests, {Rows}x{Sequence} from stage {Stage} in {ComputeMs:F2} ms")]
    public static partial void BatchComputed(ILogger logger, int requests, int rows, int sequence, int stage, double computeMs);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "A batch of {Rows} rows from stage {Stage} failed")]
    public static partial void BatchFailed(ILogger logger, int rows, int stage, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Stopping: refusing new requests, draining {QueueDepth} queued and {InFlight} in flight")]
    public static partial void Draining(ILogger logger, int queueDepth, int inFlight);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Drained; {Computed} requests computed in total")]
    public static partial void Drained(ILogger logger, long computed);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Refused an unreadable gRPC message ({Kind}): {Detail} ({Suppressed} more since the last such line)")]
    public static partial void MalformedMessage(ILogger logger, string kind, string detail, int suppressed);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "A batch of {Rows} rows from stage {Stage} produced non-finite values for {Requests} request(s); they get an error (largest input magnitude {MaxInput:G3})")]
    public static partial void NonFiniteOutput(ILogger logger, int rows, int stage, int requests, double maxInput);
}
