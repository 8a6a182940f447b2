namespace EdgeSplit.Gateway.Tests.Security;

/// <summary>A request body that sends the first bytes of a gRPC frame and then nothing until released (slowloris).</summary>
internal sealed class HalfFrameContent(CancellationToken stop) : HttpContent
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _released.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(new byte[] { 0, 0, 0, 1, 0, 8 });
        await stream.FlushAsync();
        await Task.WhenAny(_released.Task, Task.Delay(Timeout.Infinite, stop)).ConfigureAwait(false);
        await _released.Task.WaitAsync(TimeSpan.FromSeconds(120)).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
