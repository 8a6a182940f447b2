namespace EdgeSplit.Gateway.Tests;

/// <summary>
/// A gateway app running in the test process (Kestrel on 127.0.0.1, port 0) and a channel to it: what every in-process
/// node of these tests shares. Disposing closes the channel and stops the app.
/// </summary>
internal abstract class TestNode : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    protected TestNode(WebApplication app, GrpcChannelOptions? channel = null)
    {
        App = app;
        Address = ServerAddress.Of(app);
        Channel = GrpcChannel.ForAddress(Address, channel ?? new GrpcChannelOptions());
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    /// <summary>Builder step that also sends the app's log lines to <paramref name="logs"/> (when given).</summary>
    private static Action<WebApplicationBuilder> AlsoLogTo(ILoggerProvider? logs) => builder =>
    {
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
    };

    /// <summary>Builds and starts a gateway on a free loopback port with warnings-only logs, then the given settings.</summary>
    protected static async Task<WebApplication> StartAppAsync(ILoggerProvider? logs, Action<EdgeNodeBuilder>? configureEdge, params string[] settings)
    {
        var app = GatewayApp.Build(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. settings],
            AlsoLogTo(logs),
            configureEdge);
        await app.StartAsync().WaitAsync(Timeout);
        return app;
    }

    public virtual async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync().WaitAsync(Timeout);
        await App.DisposeAsync();
    }
}
