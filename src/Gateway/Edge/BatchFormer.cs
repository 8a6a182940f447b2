using System.Threading.Channels;
using EdgeSplit.Gateway.Observability;
using Grpc.Core;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Forms batches from the admitted requests, one worker at a time: the oldest waiting request and every other one
/// that starts at the same stage, up to <see cref="EdgeNodeOptions.MaxBatchRows"/> rows, waiting at most
/// <see cref="EdgeNodeOptions.BatchWindowMs"/> after the oldest arrived for companions (not at all when
/// <see cref="EdgeNodeOptions.DispatchWhenIdle"/> and nothing computes). Requests whose deadline passed or whose
/// caller left are dropped here, before compute.
/// </summary>
internal sealed class BatchFormer(EdgeNodeOptions options, Admission admission, TimeProvider time, LoadTracker load, EdgeMetrics metrics, ILogger logger) : IDisposable
{
    private readonly Channel<WorkItem> _incoming = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = false });
    private readonly SemaphoreSlim _formGate = new(1, 1);
    private readonly List<WorkItem> _pending = [];
    private readonly TimeSpan _window = TimeSpan.FromMilliseconds(options.BatchWindowMs);
    private int _inFlight;
    private int _computingBatches;

    /// <summary>Where admitted requests are written.</summary>
    public ChannelWriter<WorkItem> Queue => _incoming.Writer;

    /// <summary>Requests taken into a batch and not yet done.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Forms the next batch; null once the queue is closed and empty. Every batch must be handed back to <see cref="Done"/>.</summary>
    public async Task<List<WorkItem>?> NextBatchAsync()
    {
        await _formGate.WaitAsync().ConfigureAwait(false);
        try
        {
            while (true)
            {
                var now = time.GetTimestamp();
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
                var waited = time.GetElapsedTime(_pending[0].ArrivalTimestamp, now);
                var idle = options.DispatchWhenIdle && _pending.Count == 1 && Volatile.Read(ref _computingBatches) == 0;
                if (rows < options.MaxBatchRows && waited < _window && !idle && !_incoming.Reader.Completion.IsCompleted)
                {
                    var wake = _incoming.Reader.WaitToReadAsync().AsTask();
                    var timer = Task.Delay(_window - waited, time);
                    await Task.WhenAny(wake, timer).ConfigureAwait(false);
                    if (!wake.IsCompletedSuccessfully || !wake.Result)
                    {
                        // Window over (or no more writers): run what we have, after one last look for stragglers.
                        Drain(time.GetTimestamp());
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

    /// <summary>A batch from <see cref="NextBatchAsync"/> is computed (or failed): its requests are no longer in flight.</summary>
    public void Done(List<WorkItem> batch)
    {
        Interlocked.Add(ref _inFlight, -batch.Count);
        Interlocked.Decrement(ref _computingBatches);
    }

    /// <summary>No more requests will come: the workers finish what is queued, then get null.</summary>
    public void Complete() => _incoming.Writer.TryComplete();

    public void Dispose() => _formGate.Dispose();

    private List<WorkItem> Take(List<WorkItem> batch)
    {
        foreach (var item in batch)
        {
            _pending.Remove(item);
        }

        admission.Left(batch.Count);
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
                var queued = time.GetElapsedTime(item.ArrivalTimestamp, now).TotalMilliseconds;
                error = new EdgeError(StatusCode.DeadlineExceeded, $"the request's deadline passed after {queued:F1} ms in the queue; it was not computed.");
                load.RecordExpired();
                metrics.Expired();
                EdgeLog.DeadlineDropped(logger, queued);
            }

            if (error is not null)
            {
                _pending.RemoveAt(i);
                admission.Left(1);
                item.Completion.TrySetResult(WorkResult.Failed(error, time.GetElapsedTime(item.ArrivalTimestamp, now).TotalMilliseconds));
            }
        }
    }

    /// <summary>The oldest request plus, in arrival order, every other one starting at its stage that still fits.</summary>
    private (List<WorkItem> Batch, int Rows) Select()
    {
        var first = _pending[0];
        var batch = new List<WorkItem> { first };
        var rows = first.Rows;
        for (var i = 1; i < _pending.Count && rows < options.MaxBatchRows; i++)
        {
            var item = _pending[i];
            if (item.Cut == first.Cut && rows + item.Rows <= options.MaxBatchRows)
            {
                batch.Add(item);
                rows += item.Rows;
            }
        }

        return (batch, rows);
    }
}
