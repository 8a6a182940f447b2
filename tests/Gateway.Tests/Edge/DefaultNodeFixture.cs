namespace EdgeSplit.Gateway.Tests.Edge;

/// <summary>One edge node with default options, shared by a test class.</summary>
public sealed class DefaultNodeFixture : IAsyncLifetime
{
    internal EdgeNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await EdgeNode.StartAsync();

    public async Task DisposeAsync() => await Node.DisposeAsync();
}
