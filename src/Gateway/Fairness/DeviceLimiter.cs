using System.Threading.RateLimiting;
using EdgeSplit.Contracts.Transport;
using EdgeSplit.Gateway.Edge;
using EdgeSplit.Gateway.Observability;
using EdgeSplit.Gateway.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Fairness;

/// <summary>
/// Per-device fairness on top of the node's shared queue (System.Threading.RateLimiting): a token bucket of
/// requests per device, a cap on each device's queued requests and open streams, and a global cap on calls.
/// Checked per message, because one stream carries many requests; a refusal costs no model work and carries a
/// retry-after hint. Partitions of devices gone idle are dropped by the partitioned limiters themselves.
/// </summary>
internal sealed class DeviceLimiter : IDisposable
{
    private readonly LimitsOptions _options;
    private readonly EdgeNodeOptions _edge;
    private readonly ILogger<DeviceLimiter> _logger;
    private readonly EdgeMetrics _metrics;
    private readonly ConcurrencyLimiter _calls;
    private readonly PartitionedRateLimiter<DeviceIdentity> _rate;
    private readonly PartitionedRateLimiter<DeviceIdentity> _queued;
    private readonly PartitionedRateLimiter<DeviceIdentity> _streams;

    public DeviceLimiter(IOptions<LimitsOptions> options, IOptions<EdgeNodeOptions> edge, ILogger<DeviceLimiter> logger, EdgeMetrics metrics)
    {
        _metrics = metrics;
        _options = options.Value;
        _edge = edge.Value;
        _logger = logger;
        _calls = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = _options.MaxConcurrentCalls, QueueLimit = 0 });
        _rate = PartitionedRateLimiter.Create<DeviceIdentity, string>(device =>
        {
            var tier = Tier(device);
            if (tier.RequestsPerSecond <= 0)
            {
                return RateLimitPartition.GetNoLimiter(device.DeviceId);
            }

            // Refill in steps of at least 10 ms so high rates do not need a timer tick per token.
            var period = TimeSpan.FromSeconds(Math.Max(0.01, 1 / tier.RequestsPerSecond));
            var perPeriod = Math.Max(1, (int)Math.Round(tier.RequestsPerSecond * period.TotalSeconds));
            var burst = tier.Burst > 0 ? tier.Burst : Math.Max(1, (int)Math.Ceiling(tier.RequestsPerSecond));
            return RateLimitPartition.GetTokenBucketLimiter(device.DeviceId, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perPeriod,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
        _queued = Concurrency(t => t.MaxQueued);
        _streams = Concurrency(t => t.MaxStreams);
    }

    /// <summary>Admits one inference call (unary or stream); the lease is held until the call ends.</summary>
    public RateLimitLease AcquireCall(DeviceIdentity device, bool stream, int retryAfterMs)
    {
        var call = _calls.AttemptAcquire();
        if (!call.IsAcquired)
        {
            call.Dispose();
            throw Refused(device, "calls", $"the node holds its limit of {_options.MaxConcurrentCalls} calls; retry after {retryAfterMs} ms.", retryAfterMs);
        }

        if (!stream)
        {
            return call;
        }

        var lease = _streams.AttemptAcquire(device);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            call.Dispose();
            throw Refused(device, "streams", $"device already holds its limit of {Tier(device).MaxStreams} open streams; reuse one.", retryAfterMs);
        }

        return new Leases(call, lease);
    }

    /// <summary>Admits one request of a device: within its rate and its share of the queue. Null and an error when refused.</summary>
    public (RateLimitLease? Lease, EdgeError? Error) AcquireRequest(DeviceIdentity device, int retryAfterMs)
    {
        using var rate = _rate.AttemptAcquire(device);
        if (!rate.IsAcquired)
        {
            var wait = rate.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalMilliseconds) : 0;
            wait = Math.Clamp(wait, _edge.RetryAfterMinMs, 60_000);
            var limit = Tier(device).RequestsPerSecond;
            SecurityLog.DeviceLimited(_logger, device.DeviceId, device.Tier, "rate", wait);
            _metrics.Limited("rate");
            return (null, new EdgeError(StatusCode.ResourceExhausted, $"device over its request rate ({limit:G4}/s for tier {device.Tier}); retry after {wait} ms.", wait));
        }

        var queued = _queued.AttemptAcquire(device);
        if (!queued.IsAcquired)
        {
            queued.Dispose();
            SecurityLog.DeviceLimited(_logger, device.DeviceId, device.Tier, "queued", retryAfterMs);
            _metrics.Limited("queued");
            return (null, new EdgeError(StatusCode.ResourceExhausted, $"device already has {Tier(device).MaxQueued} requests queued or computing; retry after {retryAfterMs} ms.", retryAfterMs));
        }

        return (queued, null);
    }

    public void Dispose()
    {
        _calls.Dispose();
        _rate.Dispose();
        _queued.Dispose();
        _streams.Dispose();
    }

    private TierLimits Tier(DeviceIdentity device) =>
        _options.Tiers.TryGetValue(device.Tier, out var tier) ? tier : _options.Tiers[DeviceClaims.StandardTier];

    private PartitionedRateLimiter<DeviceIdentity> Concurrency(Func<TierLimits, int> limit) =>
        PartitionedRateLimiter.Create<DeviceIdentity, string>(device =>
        {
            var permits = limit(Tier(device));
            return permits <= 0
                ? RateLimitPartition.GetNoLimiter(device.DeviceId)
                : RateLimitPartition.GetConcurrencyLimiter(device.DeviceId, _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 });
        });

    private RpcException Refused(DeviceIdentity device, string limit, string message, int retryAfterMs)
    {
        SecurityLog.DeviceLimited(_logger, device.DeviceId, device.Tier, limit, retryAfterMs);
        _metrics.Limited(limit);
        var trailers = new Metadata { { ProtocolHeaders.RetryAfterMs, retryAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        return new RpcException(new Status(StatusCode.ResourceExhausted, message), trailers);
    }
}
