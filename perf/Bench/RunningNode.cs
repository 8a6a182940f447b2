using Microsoft.AspNetCore.Builder;
namespace EdgeSplit.Bench;

/// <summary>An edge node started in-process for a benchmark run.</summary>
internal sealed class RunningNode(WebApplication app, Uri address) : IAsyncDisposable
{
    public Uri Address { get; } = address;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
