using EdgeSplit.DeviceAgent.Generation;

namespace EdgeSplit.Gateway.Tests.Generation;

/// <summary>The device's Generate link against a real node: what the device learns when the node refuses a session.</summary>
public sealed class GenerationLinkTests(DecoderFiles files) : IClassFixture<DecoderFiles>
{
    private const int Cut = 2;

    [Fact]
    public async Task Prefill_NodeRefusedTheSessionWhileThePrefillWasBeingWritten_ThrowsTheNodesStatusAndReason()
    {
        var logs = new CapturingLoggerProvider();
        await using var edge = await DecoderEdge.StartAsync(logs, files.ModelFile, "--Logging:LogLevel:EdgeSplit.Gateway.Generation=Debug");
        await using var factory = new GenerationLinkFactory(edge.Address, files.Model.Manifest.HiddenSize);

        // A prefill larger than the HTTP/2 flow-control windows: the node, which refuses at open and reads no further,
        // ends the call while the device is still writing it, so the write itself fails with the stream reset.
        var hidden = files.Model.Manifest.HiddenSize;
        var positions = (8 << 20) / (hidden * sizeof(float));
        await using var link = await factory.OpenAsync("0123abcd", Cut, SamplingOptions.Greedy, CancellationToken.None);
        var refusal = await Assert.ThrowsAsync<RpcException>(() => link.PrefillAsync(new float[positions * hidden], positions, CancellationToken.None));

        Assert.Equal(StatusCode.FailedPrecondition, refusal.StatusCode);
        Assert.Contains("model hash mismatch", refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(files.Model.ModelHash, refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(logs.Lines, l => l.Contains("refused: FailedPrecondition", StringComparison.Ordinal));
    }
}
