using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeSplit.Gateway.Edge;

/// <summary>Ready when the model is loaded with every stage session open and the node still takes work.</summary>
internal sealed class ModelReadyHealthCheck(ModelHost host, MicroBatcher batcher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!batcher.Accepting)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the node is shutting down"));
        }

        return Task.FromResult(host.Model is { } model
            ? HealthCheckResult.Healthy($"{model.Manifest.ModelId} {model.ModelHash[..12]}: {model.StageCount} stages")
            : host.WhenLoaded.IsFaulted
                ? HealthCheckResult.Unhealthy("the model failed to load")
                : HealthCheckResult.Unhealthy("the model is loading"));
    }
}
