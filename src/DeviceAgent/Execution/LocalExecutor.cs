using EdgeSplit.DeviceAgent.Planning;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;

namespace EdgeSplit.DeviceAgent.Execution;

/// <summary>Runs stages on this device with ONNX Runtime and times each one.</summary>
public sealed class LocalExecutor(SplitModel model) : IDeviceCompute
{
    /// <summary>The model whose stages run here.</summary>
    public SplitModel Model => model;

    /// <inheritdoc />
    public IReadOnlyList<LinearStageCost>? KnownProfile => null;

    /// <inheritdoc />
    public Task<Activation> HeadAsync(TokenBatch tokens, int cut, double[] stageMs, CancellationToken cancellationToken) =>
        RunAsync(() => model.RunHead(tokens, cut, stageMs), cancellationToken);

    /// <inheritdoc />
    /// <remarks>Cancelling stops ONNX Runtime mid-stage (a hedge the edge has won stops costing the device compute).</remarks>
    public Task<float[]> TailAsync(Activation activation, double[] stageMs, CancellationToken cancellationToken) =>
        RunAsync(() => model.Finish(activation, stageMs, cancellationToken)[0], cancellationToken);

    /// <inheritdoc />
    public Task<float[]> FullAsync(TokenBatch tokens, double[] stageMs, CancellationToken cancellationToken) =>
        RunAsync(() => model.Embed(tokens, stageMs, cancellationToken)[0], cancellationToken);

    private static Task<T> RunAsync<T>(Func<T> run, CancellationToken cancellationToken)
    {
        // Off the caller's thread: ONNX Runtime is synchronous and the caller may be racing an edge call. A thread
        // of its own, not a pool thread: a run blocking the pool of a small device would delay the very
        // continuations that race it (the edge's answer, and the cancellation that answer triggers).
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Factory.StartNew(run, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}
