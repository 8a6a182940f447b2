using EdgeSplit.Contracts.V1;
using EdgeSplit.Gateway.Observability;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// The bytes one InferStream holds in the node, against <see cref="EdgeNodeOptions.MaxStreamReplyBytes"/>: a request
/// is charged when it is read (its wire size and the reply it will produce), recharged at the reply's real size once
/// computed, and released when that reply is written. The stream's reader waits for room before reading the next
/// request, so a client that does not take its replies is held by HTTP/2 flow control instead of growing the node.
/// </summary>
internal sealed class StreamBudget(long limit, EdgeMetrics metrics) : IDisposable
{
    private readonly Lock _gate = new();
    private long _held;
    private TaskCompletionSource? _room;
    private bool _disposed;

    public long Held
    {
        get
        {
            lock (_gate)
            {
                return _held;
            }
        }
    }

    /// <summary>What a request is charged when read: its wire size plus the reply it asks for, from its declared shape.</summary>
    public static long Estimate(InferRequest request, int hidden, EdgeNodeOptions options)
    {
        long rows = 1, sequence = 1;
        if (request.Activation is { Shape.Count: >= 2 } activation)
        {
            (rows, sequence) = (activation.Shape[0], activation.Shape[1]);
        }
        else if (request.TokenShape.Count >= 2)
        {
            (rows, sequence) = (request.TokenShape[0], request.TokenShape[1]);
        }

        // Shapes are not validated yet: clamp to what validation would let through.
        rows = Math.Clamp(rows, 1, options.MaxRowsPerRequest);
        sequence = Math.Clamp(sequence, 1, options.MaxSequence);
        var reply = 256 + (rows * ((hidden * 4L) + 8));
        if (request.ReturnHidden)
        {
            reply += rows * sequence * hidden * 4L;
        }

        return request.CalculateSize() + reply;
    }

    /// <summary>Waits until the stream holds less than its budget (one request may then take it over).</summary>
    public Task WaitForRoomAsync(CancellationToken cancellation)
    {
        lock (_gate)
        {
            if (_held < limit || _disposed)
            {
                return Task.CompletedTask;
            }

            _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _room.Task.WaitAsync(cancellation);
        }
    }

    /// <summary>Changes the bytes held by <paramref name="delta"/> (negative to release).</summary>
    public void Add(long delta)
    {
        TaskCompletionSource? room = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _held += delta;
            if (_held < limit && _room is not null)
            {
                (room, _room) = (_room, null);
            }
        }

        metrics.StreamHeld(delta);
        room?.TrySetResult();
    }

    /// <summary>Gives back whatever is still charged (the stream ended with replies unwritten).</summary>
    public void Dispose()
    {
        long left;
        TaskCompletionSource? room;
        lock (_gate)
        {
            left = _held;
            _held = 0;
            _disposed = true;
            (room, _room) = (_room, null);
        }

        if (left != 0)
        {
            metrics.StreamHeld(-left);
        }

        room?.TrySetResult();
    }
}
