using System.Threading.Channels;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.Gateway.Edge.Reading;
using EdgeSplit.Gateway.Observability;
using EdgeSplit.Inference.Runtime;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Admission control and dynamic micro-batching. A bounded number of requests may wait; the rest are refused
/// at once. Free workers (one per concurrent batch) take the oldest waiting request and every other one that
/// starts at the same stage, up to <see cref="EdgeNodeOptions.MaxBatchRows"/> rows, waiting at most
/// <see cref="EdgeNodeOptions.BatchWindowMs"/> after the oldest arrived for companions. The batch is padded
/// to its longest sequence; padding has mask 0, so attention and mean pooling never see it. Requests whose
/// deadline passed or whose caller left are dropped before compute.
/// </summary>
internal sealed class MicroBatcher : IHostedService, IDisposable
{
    private readonly ModelHost _host;
    private readonly EdgeNodeOptions _options;
    private readonly TimeProvider _time;
    private readonly LoadTracker _load;
    private readonly ILogger<MicroBatcher> _logger;
    private readonly EdgeMetrics _metrics;
    private readonly Channel<WorkItem> _incoming = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = false });
    private readonly SemaphoreSlim _formGate = new(1, 1);
    private readonly List<WorkItem> _pending = [];
    private readonly TimeSpan _window;
    private readonly CancellationTokenRegistration _stopping;
    private Task[] _workers = [];
    private int _queued;
    private int _inFlight;
    private int _computingBatches;
    private readonly LogThrottle _nonFiniteLog;
    private volatile bool _accepting = true;

    public MicroBatcher(ModelHost host, IOptions<EdgeNodeOptions> options, TimeProvider time, LoadTracker load, IHostApplicationLifetime lifetime, ILogger<MicroBatcher> logger, EdgeMetrics metrics)
    {
        _metrics = metrics;
        metrics.Observe(() => QueueDepth, () => InFlight);
        _host = host;
        _options = options.Value;
        _time = time;
        _load = load;
        _logger = logger;
        _window = TimeSpan.FromMilliseconds(_options.BatchWindowMs);
        _nonFiniteLog = new LogThrottle(time, MalformedInput.LogInterval);
        _stopping = lifetime.ApplicationStopping.Register(StopAccepting);
    }

    /// <summary>Requests admitted and not yet computing.</summary>
    public int QueueDepth => Volatile.Read(ref _queued);

    /// <summary>Requests being computed right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Whether new work is taken (false once the node is stopping).</summary>
    public bool Accepting => _accepting;

    /// <summary>Queues a request, or returns the error to answer with at once (queue full, stopping).</summary>
    public EdgeError? TryEnqueue(WorkItem item)
    {
        if (!_accepting)
        {
            return new EdgeError(StatusCode.Unavailable, "the node is shutting down; send new requests elsewhere.");
        }

        var depth = Interlocked.Increment(ref _queued);
        if (depth > _options.MaxQueue)
        {
            Interlocked.Decrement(ref _queued);
            _load.RecordRejected();
            _metrics.Rejected();
            var retry = RetryAfterMs(depth - 1);
            EdgeLog.QueueFull(_logger, depth - 1, retry);
            return new EdgeError(StatusCode.ResourceExhausted, $"the node's queue is full ({_options.MaxQueue} requests waiting); retry after {retry} ms.", retry);
        }

        if (!_incoming.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _queued);
            return new EdgeError(StatusCode.Unavailable, "the node is shutting down; send new requests elsewhere.");
        }

        return null;
    }

    /// <summary>How long a refused client should wait: the queue's expected drain time, at least RetryAfterMinMs.</summary>
    public int RetryAfterMs(int queueDepth)
    {
        var drain = queueDepth * _load.RowMs / _options.MaxConcurrentBatches;
        return (int)Math.Clamp(Math.Ceiling(drain), _options.RetryAfterMinMs, 60_000);
    }

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
        _incoming.Writer.TryComplete();
        await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        EdgeLog.Drained(_logger, _load.Computed);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _formGate.Dispose();
    }

    private void StopAccepting()
    {
        if (_accepting)
        {
            _accepting = false;
            EdgeLog.Draining(_logger, QueueDepth, InFlight);
        }
    }

    private void Work()
    {
        // Waiting for work blocks only this dedicated thread; batch forming itself runs on pool continuations.
        var model = _host.WhenLoaded.GetAwaiter().GetResult();
        while (NextBatchAsync().GetAwaiter().GetResult() is { } batch)
        {
            try
            {
                Compute(model, batch);
            }
            finally
            {
                Interlocked.Decrement(ref _computingBatches);
            }
        }
    }

    /// <summary>Forms the next batch (one worker at a time); null once the queue is closed and empty.</summary>
    private async Task<List<WorkItem>?> NextBatchAsync()
    {
        await _formGate.WaitAsync().ConfigureAwait(false);
        try
        {
            while (true)
            {
                var now = _time.GetTimestamp();
                Drain(now);
                if (_pending.Count == 0)
                {
                    if (!await _incoming.Reader.WaitToReadAsync().ConfigureAwait(false))
                    {
                        return null;
                    }

                    continue;
                }

                var (batch, rows) = Select();
                var waited = _time.GetElapsedTime(_pending[0].ArrivalTimestamp, now);
                var idle = _options.DispatchWhenIdle && _pending.Count == 1 && Volatile.Read(ref _computingBatches) == 0;
                if (rows < _options.MaxBatchRows && waited < _window && !idle && !_incoming.Reader.Completion.IsCompleted)
                {
                    var wake = _incoming.Reader.WaitToReadAsync().AsTask();
                    var timer = Task.Delay(_window - waited, _time);
                    await Task.WhenAny(wake, timer).ConfigureAwait(false);
                    if (!wake.IsCompletedSuccessfully || !wake.Result)
                    {
                        // Window over (or no more writers): run what we have, after one last look for stragglers.
                        Drain(_time.GetTimestamp());
                        (batch, rows) = _pending.Count == 0 ? ([], 0) : Select();
                        if (batch.Count == 0)
                        {
                            continue;
                        }

                        return Take(batch);
                    }

                    continue;
                }

                return Take(batch);
            }
        }
        finally
        {
            _formGate.Release();
        }
    }

    private List<WorkItem> Take(List<WorkItem> batch)
    {
        foreach (var item in batch)
        {
            _pending.Remove(item);
        }

        Interlocked.Add(ref _queued, -batch.Count);
        Interlocked.Add(ref _inFlight, batch.Count);
        Interlocked.Increment(ref _computingBatches);
        return batch;
    }

    /// <summary>Moves newly arrived requests to the pending list and drops those that may no longer run.</summary>
    private void Drain(long now)
    {
        while (_incoming.Reader.TryRead(out var item))
        {
            _pending.Add(item);
        }

        for (var i = _pending.Count - 1; i >= 0; i--)
        {
            var item = _pending[i];
            EdgeError? error = null;
            if (item.Cancellation.IsCancellationRequested)
            {
                error = new EdgeError(StatusCode.Cancelled, "the caller cancelled the request before it was computed.");
            }
            else if (now >= item.DeadlineTimestamp)
            {
                var queued = _time.GetElapsedTime(item.ArrivalTimestamp, now).TotalMilliseconds;
                error = new EdgeError(StatusCode.DeadlineExceeded, $"the request's deadline passed after {queued:F1} ms in the queue; it was not computed.");
                _load.RecordExpired();
                _metrics.Expired();
                EdgeLog.DeadlineDropped(_logger, queued);
            }

            if (error is not null)
            {
                _pending.RemoveAt(i);
                Interlocked.Decrement(ref _queued);
                item.Completion.TrySetResult(WorkResult.Failed(error, _time.GetElapsedTime(item.ArrivalTimestamp, now).TotalMilliseconds));
            }
        }
    }

    /// <summary>The oldest request plus, in arrival order, every other one starting at its stage that still fits.</summary>
    private (List<WorkItem> Batch, int Rows) Select()
    {
        var first = _pending[0];
        var batch = new List<WorkItem> { first };
        var rows = first.Rows;
        for (var i = 1; i < _pending.Count && rows < _options.MaxBatchRows; i++)
        {
            var item = _pending[i];
            if (item.Cut == first.Cut && rows + item.Rows <= _options.MaxBatchRows)
            {
                batch.Add(item);
                rows += item.Rows;
            }
        }

        return (batch, rows);
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
            var row = 0;
            var queueSum = 0.0;
            var nonFinite = 0;
            foreach (var item in batch)
            {
                var embeddings = SplitModel.SplitRows(pooled.AsSpan(row * width, item.Rows * width), item.Rows);

                var itemHidden = item.ReturnHidden ? BatchPacking.Unpad(lastHidden!, row, item.Rows, item.Sequence, sequence, hidden) : null;
                var queueMs = _time.GetElapsedTime(item.ArrivalTimestamp, start).TotalMilliseconds;
                queueSum += queueMs;
                var finite = ActivationCodec.IndexOfNonFinite(pooled.AsSpan(row * width, item.Rows * width)) < 0
                    && (itemHidden is null || ActivationCodec.IndexOfNonFinite(itemHidden) < 0);
                row += item.Rows;
                if (finite)
                {
                    item.Completion.TrySetResult(new WorkResult(embeddings, itemHidden, queueMs, computeMs, rows, null));
                    continue;
                }

                // Rows of a batch never mix (attention and pooling are per row), so only this request's outputs are bad:
                // never answer OK with NaN, which a device would store as an embedding without learning anything failed.
                nonFinite++;
                _metrics.NonFinite();
                item.Completion.TrySetResult(WorkResult.Failed(
                    new EdgeError(StatusCode.Internal, $"the model's outputs for this request are not finite (NaN or infinity): its inputs overflow inside the model (largest magnitude {BatchPacking.MaxMagnitude(item):G3}); nothing was returned. Send hidden states as the model produces them."),
                    queueMs));
            }

            if (nonFinite > 0 && _nonFiniteLog.TryEnter(out _))
            {
                EdgeLog.NonFiniteOutput(_logger, rows, stage, nonFinite, batch.Max(BatchPacking.MaxMagnitude));
            }

            _load.RecordBatch(batch.Count, rows, sequence, stage, stageMs, computeMs, queueSum / batch.Count);
            _metrics.Batch(rows, stage);
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
        finally
        {
            Interlocked.Add(ref _inFlight, -batch.Count);
        }
    }
}
