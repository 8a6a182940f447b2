namespace EdgeSplit.Cli;

/// <summary>
/// Emulates a device <paramref name="factor"/> times slower than this machine: every stage takes its real time, the
/// extra is waited out (holding no thread, which on a two-core machine would starve the gRPC continuations the
/// agent races against), and the reported stage times are scaled so the agent's profile matches the emulated phone.
/// </summary>
public sealed class SlowerDevice(IDeviceCompute inner, double factor) : IDeviceCompute
{
    /// <inheritdoc />
    public IReadOnlyList<LinearStageCost>? KnownProfile =>
        inner.KnownProfile?.Select(c => new LinearStageCost(c.FixedMs * factor, c.PerTokenMs * factor)).ToArray();

    /// <inheritdoc />
    public async Task<Activation> HeadAsync(TokenBatch tokens, int cut, double[] stageMs, CancellationToken cancellationToken)
    {
        var result = await inner.HeadAsync(tokens, cut, stageMs, cancellationToken);
        await SlowAsync(stageMs, 0, cut, cancellationToken);
        return result;
    }

    /// <inheritdoc />
    public async Task<float[]> TailAsync(Activation activation, double[] stageMs, CancellationToken cancellationToken)
    {
        var result = await inner.TailAsync(activation, stageMs, cancellationToken);
        await SlowAsync(stageMs, activation.Cut, stageMs.Length, cancellationToken);
        return result;
    }

    /// <inheritdoc />
    public async Task<float[]> FullAsync(TokenBatch tokens, double[] stageMs, CancellationToken cancellationToken)
    {
        var result = await inner.FullAsync(tokens, stageMs, cancellationToken);
        await SlowAsync(stageMs, 0, stageMs.Length, cancellationToken);
        return result;
    }

    private async Task SlowAsync(double[] stageMs, int from, int to, CancellationToken cancellationToken)
    {
        if (factor <= 1)
        {
            return;
        }

        var real = 0.0;
        for (var s = from; s < to; s++)
        {
            real += stageMs[s];
            stageMs[s] *= factor;
        }

        await Task.Delay(TimeSpan.FromMilliseconds(real * (factor - 1)), cancellationToken);
    }
}
