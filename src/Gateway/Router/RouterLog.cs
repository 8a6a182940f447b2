namespace EdgeSplit.Gateway.Router;

/// <summary>Source-generated log messages of the router.</summary>
internal static partial class RouterLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "A call to an edge failed ({Error}, response started: {Started}); answering UNAVAILABLE")]
    public static partial void EdgeFailed(ILogger logger, string error, bool started);
}
