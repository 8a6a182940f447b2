using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeSplit.Gateway.Generation;

/// <summary>Ready when the node serves no decoder or its decoder is loaded.</summary>
internal sealed class DecoderReadyHealthCheck(GenerationHost host, DecodeScheduler scheduler) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!host.Configured
            ? HealthCheckResult.Healthy("no decoder configured")
            : host.Model is { } model
                ? HealthCheckResult.Healthy($"decoder {model.ModelHash[..12]}: {model.StageCount} stages, {scheduler.SessionCount} sessions, {scheduler.KvBytesInUse} KV bytes")
                : HealthCheckResult.Unhealthy("the decoder is loading"));
}
