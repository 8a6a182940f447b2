using System.Threading.RateLimiting;
using EdgeSplit.Contracts.V1;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// What the pipeline made of one request — a reply or an error — plus the device's queue slot, which the caller keeps
/// until the answer is written: a device that does not read its replies keeps counting against its limits.
/// </summary>
internal sealed class PipelineAnswer(InferReply? reply, EdgeError? error, RateLimitLease? lease) : IDisposable
{
    public InferReply? Reply { get; } = reply;

    public EdgeError? Error { get; } = error;

    public void Dispose() => lease?.Dispose();
}
