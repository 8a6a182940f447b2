namespace EdgeSplit.DeviceAgent.Tests.Resilience;

/// <summary>
/// An in-process edge for unit tests of the agent's decision logic: scripted failures and delays, and (with
/// a model) real answers computed from the request's tensor. Functional tests use the real Gateway instead.
/// </summary>
internal sealed class ScriptedEdgeTransport(string modelHash, int stageCount, SplitModel? model = null) : IEdgeTransport
{
    private int _inferCalls;
    private int _manifestCalls;

    /// <summary>Per call: what to do before answering (throw, delay). Null answers at once.</summary>
    public Func<EdgeRequest, CancellationToken, Task>? OnInfer { get; set; }

    public bool ManifestFails { get; set; }

    /// <summary>Runs inside each GetManifest call, given its number (1 = first); e.g. advances a fake clock.</summary>
    public Action<int>? OnManifest { get; set; }

    public IReadOnlyList<double> StageMsPerToken { get; set; } = [];

    /// <summary>When set, the node reports admission of every request (before <see cref="OnInfer"/>) with this estimate.</summary>
    public double? AcceptEtaMs { get; set; }

    public bool ReportsAcceptance => AcceptEtaMs is not null;

    public int InferCalls => Volatile.Read(ref _inferCalls);

    public int ManifestCalls => Volatile.Read(ref _manifestCalls);

    public static EdgeException Unavailable() => new(StatusCode.Unavailable, "connection refused");

    public Task<EdgeManifest> GetManifestAsync(CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _manifestCalls);
        OnManifest?.Invoke(call);
        if (ManifestFails)
        {
            throw Unavailable();
        }

        return Task.FromResult(new EdgeManifest("test", modelHash, "edgesplit-stages-v1", 384, stageCount, false, 256,
            [WireEncoding.F32, WireEncoding.F16, WireEncoding.I8], new EdgeLoad(0, 0, StageMsPerToken, 0)));
    }

    public Task<EdgeAnswer> InferAsync(EdgeRequest request, CancellationToken cancellationToken) => InferAsync(request, static _ => { }, cancellationToken);

    public async Task<EdgeAnswer> InferAsync(EdgeRequest request, Action<EdgeAcceptance> accepted, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inferCalls);
        if (AcceptEtaMs is { } eta)
        {
            accepted(new EdgeAcceptance(eta));
        }

        if (OnInfer is { } script)
        {
            await script(request, cancellationToken);
        }

        // Report real compute time and payload size: the agent derives link figures from them.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var embedding = model is not null && request.Activation is { } activation
            ? model.Finish(activation)[0]
            : new float[384];
        var bytes = request.Activation is { } sent ? sent.Data.Length * 4L : 1000;
        return new EdgeAnswer(request.RequestId, [embedding], 0, clock.Elapsed.TotalMilliseconds, bytes, new EdgeLoad(0, 0, StageMsPerToken, 0), modelHash);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
