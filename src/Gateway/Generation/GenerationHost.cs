using System.Diagnostics;
using EdgeSplit.Gateway.Edge;
using EdgeSplit.Inference.Decoder;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Generation;

/// <summary>Loads the decoder <c>EdgeSplit:Edge:ModelPath</c> names, in the background; none when it names an encoder.</summary>
internal sealed class GenerationHost(IOptions<EdgeNodeOptions> options, IHostApplicationLifetime lifetime, ILogger<GenerationHost> logger) : IHostedService, IDisposable
{
    private DecoderModel? _model;

    /// <summary>Whether the node is configured with a decoder.</summary>
    public bool Configured { get; } = DecoderModel.IsDecoder(options.Value.ModelPath);

    /// <summary>The decoder once loaded.</summary>
    public DecoderModel? Model => Volatile.Read(ref _model);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Configured)
        {
            _ = Task.Run(Load, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _model?.Dispose();

    private void Load()
    {
        try
        {
            var clock = Stopwatch.StartNew();
            var model = DecoderModel.Load(options.Value.ModelPath!, new Inference.Runtime.RuntimeOptions
            {
                AllowSpinning = false,
                IntraOpThreads = options.Value.IntraOpThreads,
                CpuMemoryArena = options.Value.CpuMemoryArena,
            });
            Volatile.Write(ref _model, model);
            var m = model.Manifest;
            GenerationLog.DecoderLoaded(logger, model.Origin, m.ModelHash[..12], m.Layers, m.HiddenSize, model.StageCount, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception ex)
        {
            GenerationLog.DecoderLoadFailed(logger, ex);
            lifetime.StopApplication();
        }
    }
}
