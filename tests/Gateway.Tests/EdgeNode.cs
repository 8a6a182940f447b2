namespace EdgeSplit.Gateway.Tests;

/// <summary>A real edge node on 127.0.0.1 (Kestrel, port 0) serving the shared model, with a gRPC client.</summary>
internal sealed class EdgeNode : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private EdgeNode(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxSendMessageSize = 64 * 1024 * 1024 });
        Client = new SplitInference.SplitInferenceClient(Channel);
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public SplitInference.SplitInferenceClient Client { get; }

    public LoadTracker Load => App.Services.GetRequiredService<LoadTracker>();

    public static Task<EdgeNode> StartAsync(Action<EdgeNodeOptions>? configure = null, params string[] settings) =>
        StartAsync(null, configure, settings);

    /// <summary>Starts a node whose log lines also go to <paramref name="logs"/> (when given).</summary>
    public static async Task<EdgeNode> StartAsync(ILoggerProvider? logs, Action<EdgeNodeOptions>? configure, params string[] settings)
    {
        var app = GatewayApp.Build(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. settings],
            AlsoLogTo(logs),
            configureEdge: edge =>
            {
                edge.UseModel(SharedModel.Instance);
                if (configure is not null)
                {
                    edge.Configure(configure);
                }
            });
        await app.StartAsync().WaitAsync(Timeout);
        await app.Services.GetRequiredService<ModelHost>().WhenLoaded.WaitAsync(Timeout);
        return new EdgeNode(app, ServerAddress.Of(app));
    }

    /// <summary>Builder step that also sends the app's log lines to <paramref name="logs"/> (when given).</summary>
    public static Action<WebApplicationBuilder> AlsoLogTo(ILoggerProvider? logs) => builder =>
    {
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
    };

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync().WaitAsync(Timeout);
        await App.DisposeAsync();
    }
}
