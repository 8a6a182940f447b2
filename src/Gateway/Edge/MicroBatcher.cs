using EdgeSplit.Contracts.Wire;
using EdgeSplit.Gateway.Edge.Reading;
using EdgeSplit.Gateway.Observability;
using EdgeSplit.Inference.Runtime;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Dynamic micro-batching on ONNX Runtime: requests pass <see cref="Admission"/> (a bounded queue that refuses the rest
/// at once), <see cref="BatchFormer"/> groups them (window, rows, deadline drops), and a dedicated worker thread per
/// concurrent batch computes each batch. The batch is padded to its longest sequence; padding has mask 0, so attention
/// and mean pooling never see it.
/// </summary>
internal sealed class MicroBatcher : IHostedService, IDisposable
{
    private readonly ModelHost _host;
    private readonly EdgeNodeOptions _options;
    private readonly TimeProvider _time;
    private readonly LoadTracker _load;
    private readonly ILogger<MicroBatcher> _logger;
    private readonly EdgeMetrics _metrics;
    private readonly Admission _admission;
    private readonly BatchFormer _former;
    private readonly CancellationTokenRegistration _stopping;
    private Task[] _workers = [];
    private readonly LogThrottle _nonFiniteLog;

    public MicroBatcher(ModelHost host, IOptions<EdgeNodeOptions> options, TimeProvider time, LoadTracker load, IHostApplicationLifetime lifetime, ILogger<MicroBatcher> logger, EdgeMetrics metrics)
    {
        _metrics = metrics;
        metrics.Observe(() => QueueDepth, () => InFlight);
        _host = host;
        _options = options.Value;
        _time = time;
        _load = load;
        _logger = logger;
        _admission = new Admission(_options, load, metrics, logger);
        _former = new BatchFormer(_options, _admission, time, load, metrics, logger);
        _nonFiniteLog = new LogThrottle(time, MalformedInput.LogInterval);
        _stopping = lifetime.ApplicationStopping.Register(StopAccepting);
    }

    /// <summary>Requests admitted and not yet computing.</summary>
    public int QueueDepth => _admission.QueueDepth;

    /// <summary>Requests being computed right now.</summary>
    public int InFlight => _former.InFlight;

    /// <summary>Whether new work is taken (false once the node is stopping).</summary>
    public bool Accepting => _admission.Accepting;

    /// <summary>Queues a request, or returns the error to answer with at once (queue full, stopping).</summary>
    public EdgeError? TryEnqueue(WorkItem item) => _admission.TryAdmit(_former.Queue, item);

    /// <summary>How long a refused client should wait: the queue's expected drain time, at least RetryAfterMinMs.</summary>
    public int RetryAfterMs(int queueDepth) => _admission.RetryAfterMs(queueDepth);

    /// <summary>
    /// The node's promise for an admitted request, in milliseconds from now until its reply is ready: the batch
    /// window, the work queued or computing ahead of it, and its own compute from the recent per-stage costs.
    /// </summary>
    public double EstimateMs(WorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var ahead = Math.Max(0, QueueDepth - 1) + InFlight;
        var own = _load.ComputeMs(item.Cut, item.Rows * item.Sequence) is var fromStages && fromStages > 0 ? fromStages : _load.RowMs * item.Rows;
        return _options.BatchWindowMs + (ahead * _load.RowMs / _options.MaxConcurrentBatches) + own;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _workers = new Task[_options.MaxConcurrentBatches];
        for (var i = 0; i < _workers.Length; i++)
        {
            // ONNX Runtime blocks the calling thread for the whole batch; a dedicated thread per worker keeps that
            // off the thread pool, which on a small machine the gRPC/Kestrel continuations need (seen: 500 ms stalls).
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    Work();
                    done.SetResult();
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            })
            {
                IsBackground = true,
                Name = $"edgesplit-batch-{i}",
            };
            thread.Start();
            _workers[i] = done.Task;
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        StopAccepting();
        _former.Complete();
        await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        EdgeLog.Drained(_logger, _load.Computed);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _former.Dispose();
    }

    private void StopAccepting()
    {
        if (_admission.StopAccepting())
        {
            EdgeLog.Draining(_logger, QueueDepth, InFlight);
        }
    }

    private void Work()
    {
        // Waiting for work blocks only this dedicated thread; batch forming itself runs on pool continuations.
        var model = _host.WhenLoaded.GetAwaiter().GetResult();
        while (_former.NextBatchAsync().GetAwaiter().GetResult() is { } batch)
        {
            try
            {
                Compute(model, batch);
            }
            finally
            {
                _former.Done(batch);
            }
        }
    }

    private void Compute(SplitModel model, List<WorkItem> batch)
    {
        var start = _time.GetTimestamp();
        var stage = batch[0].Cut;
        var rows = 0;
        var sequence = 0;
        var wantHidden = false;
        foreach (var item in batch)
        {
            rows += item.Rows;
            sequence = Math.Max(sequence, item.Sequence);
            wantHidden |= item.ReturnHidden;
        }

        try
        {
            var hidden = model.HiddenSize;
            var (tokens, activation) = BatchPacking.Pack(batch, rows, sequence, hidden, stage);
            var stageMs = new double[model.StageCount];
            var last = model.StageCount - 1;
            float[]? lastHidden = null;
            float[] pooled;
            if (wantHidden)
            {
                lastHidden = stage == last ? activation!.Data : model.Run(tokens, activation, stage, last, stageMs);
                pooled = model.Run(null, new Activation(last, rows, sequence, hidden, lastHidden, tokens?.AttentionMask ?? activation!.AttentionMask), last, model.StageCount, stageMs);
            }
            else
            {
                pooled = model.Run(tokens, activation, stage, model.StageCount, stageMs);
            }

            var end = _time.GetTimestamp();
            var computeMs = _time.GetElapsedTime(start, end).TotalMilliseconds;
            var width = pooled.Length / rows;

            // Counted before any reply leaves: a device (or a test) that has its answer sees it in the node's load.
            var queueMs = batch.Select(item => _time.GetElapsedTime(item.ArrivalTimestamp, start).TotalMilliseconds).ToArray();
            _load.RecordBatch(batch.Count, rows, sequence, stage, stageMs, computeMs, queueMs.Average());
            _metrics.Batch(rows, stage);
            var row = 0;
            var nonFinite = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                var item = batch[i];
                var embeddings = SplitModel.SplitRows(pooled.AsSpan(row * width, item.Rows * width), item.Rows);

                var itemHidden = item.ReturnHidden ? BatchPacking.Unpad(lastHidden!, row, item.Rows, item.Sequence, sequence, hidden) : null;
                var finite = ActivationCodec.IndexOfNonFinite(pooled.AsSpan(row * width, item.Rows * width)) < 0
                    && (itemHidden is null || ActivationCodec.IndexOfNonFinite(itemHidden) < 0);
                row += item.Rows;
                if (finite)
                {
                    item.Completion.TrySetResult(new WorkResult(embeddings, itemHidden, queueMs[i], computeMs, rows, null));
                    continue;
                }

                // Rows of a batch never mix (attention and pooling are per row), so only this request's outputs are bad:
                // never answer OK with NaN, which a device would store as an embedding without learning anything failed.
                nonFinite++;
                _metrics.NonFinite();
                item.Completion.TrySetResult(WorkResult.Failed(
                    new EdgeError(StatusCode.Internal, $"the model's outputs for this request are not finite (NaN or infinity): its inputs overflow inside the model (largest magnitude {BatchPacking.MaxMagnitude(item):G3}); nothing was returned. Send hidden states as the model produces them."),
                    queueMs[i]));
            }

            if (nonFinite > 0 && _nonFiniteLog.TryEnter(out _))
            {
                EdgeLog.NonFiniteOutput(_logger, rows, stage, nonFinite, batch.Max(BatchPacking.MaxMagnitude));
            }

            EdgeLog.BatchComputed(_logger, batch.Count, rows, sequence, stage, computeMs);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            EdgeLog.BatchFailed(_logger, rows, stage, ex);
            foreach (var item in batch)
            {
                item.Completion.TrySetResult(WorkResult.Failed(new EdgeError(StatusCode.Internal, $"the node failed to compute the batch: {ex.Message}")));
            }
        }
    }
}
