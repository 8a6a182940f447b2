using System.Diagnostics;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Runtime;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Loads the split model in the background so the process is live (/healthz) at once and ready (/readyz)
/// when every stage session is open. A failed load stops the application.
/// </summary>
internal sealed class ModelHost(
    ModelFactory factory,
    IOptions<EdgeNodeOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ModelHost> logger) : IHostedService, IDisposable
{
    private readonly TaskCompletionSource<SplitModel> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SplitModel? _model;

    /// <summary>The model once loaded, else null.</summary>
    public SplitModel? Model => Volatile.Read(ref _model);

    /// <summary>Completes when the model is loaded (faults if loading failed).</summary>
    public Task<SplitModel> WhenLoaded => _loaded.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(Load, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        if (factory.OwnsModel)
        {
            _model?.Dispose();
        }
    }

    /// <summary>Opens the model the options describe: the bundled one unless ModelPath is set.</summary>
    public static SplitModel LoadFromOptions(EdgeNodeOptions options)
    {
        // A decoder ModelPath is served by Generate (GenerationHost); Infer keeps the bundled encoder.
        var source = string.IsNullOrWhiteSpace(options.ModelPath) || EdgeSplit.Inference.Decoder.DecoderModel.IsDecoder(options.ModelPath)
            ? ModelSource.Bundled()
            : ModelSource.FromFiles(options.ModelPath, options.VocabPath!, options.Pooling);
        return SplitModel.Load(source, new SplitModelOptions
        {
            Runtime = new RuntimeOptions
            {
                // Many concurrent Run calls: spinning ORT workers would steal the cores from each other.
                AllowSpinning = false,
                IntraOpThreads = options.IntraOpThreads,
                MaxTokens = options.MaxSequence,

                // A client decides the batch shape (up to MaxRowsPerRequest x MaxSequence, with or without the hidden
                // state): with the arena one such request pins ~1 GB for the life of the process (measured, BENCHMARKS.md).
                CpuMemoryArena = options.CpuMemoryArena,
            },
        });
    }

    private void Load()
    {
        try
        {
            var clock = Stopwatch.StartNew();
            EdgeLog.ModelLoading(logger, string.IsNullOrWhiteSpace(options.Value.ModelPath) ? "bundled all-MiniLM-L6-v2" : options.Value.ModelPath);
            var model = factory.Create(options.Value);
            model.WarmUp();
            Volatile.Write(ref _model, model);
            EdgeLog.ModelLoaded(logger, model.Manifest.ModelId, model.ModelHash, model.StageCount, clock.Elapsed.TotalMilliseconds, model.LoadTimings.CacheHit);
            _loaded.TrySetResult(model);
        }
        catch (Exception ex)
        {
            EdgeLog.ModelLoadFailed(logger, ex);
            _loaded.TrySetException(ex);
            lifetime.StopApplication();
        }
    }
}
