using EdgeSplit.Gateway.Generation;

namespace EdgeSplit.Gateway.Tests.Generation;

/// <summary>A real edge node (Kestrel on 127.0.0.1, port 0) serving a tiny decoder through Generate, and a raw client.</summary>
internal sealed class DecoderEdge : TestNode
{
    private DecoderEdge(WebApplication app)
        : base(app) =>
        Client = new SplitGeneration.SplitGenerationClient(Channel);

    public SplitGeneration.SplitGenerationClient Client { get; }

    public DecodeScheduler Scheduler => App.Services.GetRequiredService<DecodeScheduler>();

    public static Task<DecoderEdge> StartAsync(string modelFile, params string[] settings) => StartAsync(null, modelFile, settings);

    /// <summary>Starts a node whose log lines also go to <paramref name="logs"/> (when given).</summary>
    public static async Task<DecoderEdge> StartAsync(ILoggerProvider? logs, string modelFile, params string[] settings)
    {
        var app = await StartAppAsync(logs, edge => edge.UseModel(SharedModel.Instance), [$"--EdgeSplit:Edge:ModelPath={modelFile}", .. settings]);
        var host = app.Services.GetRequiredService<GenerationHost>();
        using var wait = new CancellationTokenSource(Timeout);
        while (host.Model is null)
        {
            await Task.Delay(20, wait.Token);
        }

        return new DecoderEdge(app);
    }

    /// <summary>Opens a raw Generate stream and sends open.</summary>
    public async Task<AsyncDuplexStreamingCall<GenerateRequest, GenerateReply>> OpenAsync(string modelHash, int cut, int maxPositions = 0)
    {
        var call = Client.Generate(deadline: DateTime.UtcNow + Timeout);
        await call.RequestStream.WriteAsync(new GenerateRequest { Open = new GenerateOpen { ModelHash = modelHash, Cut = cut, MaxPositions = maxPositions } });
        return call;
    }

    public static GenerateRequest Prefill(float[] rows, int positions, int hidden) =>
        new() { Prefill = new GeneratePrefill { Activation = ActivationCodec.Encode(rows, 1, positions, hidden, Encoding.F32) } };

    public static GenerateRequest Step(float[] row, int position, int hidden) =>
        new() { Step = new GenerateStep { Position = position, Activation = ActivationCodec.Encode(row, 1, 1, hidden, Encoding.F32) } };

    /// <summary>
    /// Sends a message and reads the reply; a refusal surfaces as <see cref="RpcException"/> with the node's status, also
    /// when the node ended the call before the message was written (the write itself then fails with CANCELLED).
    /// </summary>
    public static async Task<GenerateReply> ExchangeAsync(AsyncDuplexStreamingCall<GenerateRequest, GenerateReply> call, GenerateRequest request)
    {
        try
        {
            await call.RequestStream.WriteAsync(request);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The node's status is on the response side; a reply instead would be a test failure below.
        }

        if (!await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
        {
            throw new RpcException(call.GetStatus());
        }

        return call.ResponseStream.Current;
    }
}
