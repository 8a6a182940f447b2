namespace EdgeSplit.Gateway.Tests;

/// <summary>A real edge node on 127.0.0.1 (Kestrel, port 0) serving the shared model, with a gRPC client.</summary>
internal sealed class EdgeNode : TestNode
{
    private EdgeNode(WebApplication app)
        : base(app, new GrpcChannelOptions { MaxSendMessageSize = 64 * 1024 * 1024 }) =>
        Client = new SplitInference.SplitInferenceClient(Channel);

    public SplitInference.SplitInferenceClient Client { get; }

    public LoadTracker Load => App.Services.GetRequiredService<LoadTracker>();

    /// <summary>
    /// Options of a node that holds every request for the whole batch window of <paramref name="windowMs"/> (no early
    /// dispatch when idle): requests sent together meet in one batch, and a request's deadline can pass in the queue.
    /// </summary>
    public static Action<EdgeNodeOptions> Holding(int windowMs, Action<EdgeNodeOptions>? configure = null) => o =>
    {
        o.BatchWindowMs = windowMs;
        o.DispatchWhenIdle = false;
        configure?.Invoke(o);
    };

    public static Task<EdgeNode> StartAsync(Action<EdgeNodeOptions>? configure = null, params string[] settings) =>
        StartAsync(null, configure, settings);

    /// <summary>Starts a node whose log lines also go to <paramref name="logs"/> (when given).</summary>
    public static async Task<EdgeNode> StartAsync(ILoggerProvider? logs, Action<EdgeNodeOptions>? configure, params string[] settings)
    {
        var app = await StartAppAsync(logs, edge =>
        {
            edge.UseModel(SharedModel.Instance);
            if (configure is not null)
            {
                edge.Configure(configure);
            }
        }, settings);
        await app.Services.GetRequiredService<ModelHost>().WhenLoaded.WaitAsync(Timeout);
        return new EdgeNode(app);
    }
}
