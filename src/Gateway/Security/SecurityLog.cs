namespace EdgeSplit.Gateway.Security;

/// <summary>Source-generated log messages of authentication and limits. None of them takes a token or a key.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Device authentication on: HS256 tokens from issuer {Issuer} for audience {Audience}")]
    public static partial void AuthOn(ILogger logger, string issuer, string audience);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Device authentication is OFF (no EdgeSplit:Auth:SigningKey); acceptable for local development only")]
    public static partial void AuthOff(ILogger logger);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Revocation list loaded: {Count} revoked token ids from {Path}")]
    public static partial void RevocationLoaded(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Revocation list {Path} could not be read ({Reason}); keeping the previous list")]
    public static partial void RevocationUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Refused a device token: {Reason}")]
    public static partial void TokenRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Device {DeviceId} ({Tier}) over its limit: {Limit}; retry after {RetryAfterMs} ms")]
    public static partial void DeviceLimited(ILogger logger, string deviceId, string tier, string limit, int retryAfterMs);
}
