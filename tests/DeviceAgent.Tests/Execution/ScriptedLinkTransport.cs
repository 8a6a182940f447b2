namespace EdgeSplit.DeviceAgent.Tests.Execution;

/// <summary>
/// An edge behind a scripted link, for planner tests: answers come from <paramref name="edge"/> (real
/// embeddings when it has a model), but on the test's <paramref name="clock"/> every manifest call takes one
/// round trip of <paramref name="rttMs"/>, and every inference one round trip, the request and reply bytes at
/// <paramref name="bytesPerMs"/>, and the compute the node's load report promises (which the answer then
/// reports). What the agent measures of the link and the node is fixed by the test, not by this machine.
/// </summary>
internal sealed class ScriptedLinkTransport(ScriptedEdgeTransport edge, FakeTimeProvider clock, double rttMs, double bytesPerMs, int hidden) : IEdgeTransport
{
    public async Task<EdgeManifest> GetManifestAsync(CancellationToken cancellationToken)
    {
        var info = await edge.GetManifestAsync(cancellationToken);
        clock.Advance(TimeSpan.FromMilliseconds(rttMs));
        return info;
    }

    public async Task<EdgeAnswer> InferAsync(EdgeRequest request, CancellationToken cancellationToken)
    {
        var answer = await edge.InferAsync(request, cancellationToken);
        var tokens = request.Activation?.Sequence ?? request.Tokens?.Sequence ?? 0;
        var perToken = edge.StageMsPerToken;
        var computeMs = 0.0;
        for (var stage = request.Cut; stage < perToken.Count; stage++)
        {
            computeMs += perToken[stage] * tokens;
        }

        var transferMs = (answer.BytesSent + WireSize.Reply(hidden)) / bytesPerMs;
        clock.Advance(TimeSpan.FromMilliseconds(rttMs + transferMs + computeMs));
        return answer with { ComputeMs = computeMs };
    }

    public ValueTask DisposeAsync() => edge.DisposeAsync();
}
