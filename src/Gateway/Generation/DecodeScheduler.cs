using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using EdgeSplit.Contracts.Transport;
using EdgeSplit.Inference.Decoder;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Generation;

/// <summary>
/// Owns the generation sessions and runs their work on one loop: every pass takes all rows that arrived,
/// runs each prefill alone, and runs the decode steps of all sessions with the same cut as one ONNX Runtime
/// run (continuous batching: sessions join and leave between runs, at whatever position they are). Admission
/// reserves each session's KV for its positions against the budget; idle sessions expire.
/// </summary>
internal sealed class DecodeScheduler : BackgroundService
{
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, GenerationSession> _sessions = new(StringComparer.Ordinal);
    private readonly GenerationHost _host;
    private readonly GenerationOptions _options;
    private readonly TimeProvider _time;
    private readonly GenerationMetrics _metrics;
    private readonly ILogger<DecodeScheduler> _logger;
    private readonly Lock _budget = new();
    private long _reserved;

    public DecodeScheduler(GenerationHost host, IOptions<GenerationOptions> options, TimeProvider time, GenerationMetrics metrics, Edge.LoadTracker load, ILogger<DecodeScheduler> logger)
    {
        _host = host;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        metrics.Observe(() => SessionCount, () => KvBytesInUse, () => Interlocked.Read(ref _reserved));
        load.Generation = () => (SessionCount, KvBytesInUse);
    }

    /// <summary>Open sessions.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>KV bytes the open sessions hold now.</summary>
    public long KvBytesInUse => _sessions.Values.Sum(s => s.Cache.Bytes);

    /// <summary>Opens a session or refuses it with RESOURCE_EXHAUSTED (and retry-after) when the KV budget is full.</summary>
    public GenerationSession Open(DecoderModel model, int cut, SamplingOptions sampling, int maxPositions)
    {
        var cache = model.NewCache(cut, model.StageCount);
        var reserve = cache.BytesPerPosition * maxPositions;
        lock (_budget)
        {
            if (_reserved + reserve > _options.KvBudgetBytes)
            {
                GenerationLog.BudgetFull(_logger, _reserved, _options.KvBudgetBytes, reserve);
                _metrics.Refused("kv_budget");
                throw new RpcException(
                    new Status(StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
                        $"KV-cache budget full: {_reserved} of {_options.KvBudgetBytes} bytes reserved by {_sessions.Count} sessions; this session needs {reserve} ({maxPositions} positions × {cache.BytesPerPosition} bytes).")),
                    new Metadata { { ProtocolHeaders.RetryAfterMs, _options.RetryAfterMs.ToString(CultureInfo.InvariantCulture) } });
            }

            _reserved += reserve;
        }

        var session = new GenerationSession(Guid.NewGuid().ToString("N")[..16], cut, sampling, cache, maxPositions, reserve, _time.GetTimestamp());
        _sessions[session.Id] = session;
        GenerationLog.SessionOpened(_logger, session.Id, cut, reserve);
        return session;
    }

    /// <summary>Ends a session and frees its reservation (idempotent).</summary>
    public void Close(GenerationSession session)
    {
        if (session.TryEnd())
        {
            Release(session);
        }
    }

    /// <summary>Queues <paramref name="positions"/> cut rows of a session; completes with the next token.</summary>
    public Task<StepResult> SubmitAsync(GenerationSession session, float[] rows, int positions, CancellationToken cancellationToken)
    {
        if (!session.TryBegin(_time.GetTimestamp()))
        {
            throw Expired(session);
        }

        var work = new Work(session, rows, positions, _time.GetTimestamp());
        if (!_work.Writer.TryWrite(work))
        {
            session.Finish(_time.GetTimestamp());
            throw new RpcException(new Status(StatusCode.Unavailable, "the node is shutting down."));
        }

        return work.Result.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The status for a step on a session that is gone.</summary>
    public RpcException Expired(GenerationSession session) => new(new Status(StatusCode.NotFound, session.Expired
        ? string.Create(CultureInfo.InvariantCulture, $"session {session.Id} expired: idle longer than {_options.IdleTimeout.TotalSeconds:F1} s; its KV cache is gone. Open a new session and prefill it.")
        : $"session {session.Id} is closed."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var sweeper = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(10, _options.IdleTimeout.TotalMilliseconds / 4))), _time);
        var sweeping = SweepAsync(sweeper, stoppingToken);
        await Task.Yield();
        var reader = _work.Reader;
        var pending = new List<Work>();
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                pending.Clear();
                while (reader.TryRead(out var item))
                {
                    pending.Add(item);
                }

                // On this loop's own thread: handing the pass to another one cost a thread-pool hop per decode step.
                RunPass(pending);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        _work.Writer.TryComplete();
        while (reader.TryRead(out var left))
        {
            left.Result.TrySetException(new RpcException(new Status(StatusCode.Unavailable, "the node is shutting down.")));
        }

        await sweeping;
    }

    private void RunPass(List<Work> pending)
    {
        var model = _host.Model!;
        // Split before running anything: a one-token prefill looks like a decode step once it has run.
        var prefills = new List<Work>();
        var steps = new List<Work>(pending.Count);
        foreach (var work in pending)
        {
            if (work.Positions > 1 || work.Session.Cache.Length == 0)
            {
                prefills.Add(work);
            }
            else
            {
                steps.Add(work);
            }
        }

        foreach (var prefill in prefills)
        {
            Run(model, [prefill], prefill.Positions);
        }

        foreach (var group in steps.GroupBy(w => w.Session.Cut))
        {
            foreach (var chunk in group.Chunk(_options.MaxBatchSessions))
            {
                Run(model, chunk, 1);
            }
        }
    }

    private void Run(DecoderModel model, IReadOnlyList<Work> batch, int positions)
    {
        var cut = batch[0].Session.Cut;
        try
        {
            var rows = batch.Count == 1 ? batch[0].Rows : batch.SelectMany(w => w.Rows).ToArray();
            var started = _time.GetTimestamp();
            var logits = model.Forward(cut, model.StageCount, batch.Select(w => w.Session.Cache).ToArray(), null, rows, positions);
            var computeMs = _time.GetElapsedTime(started).TotalMilliseconds;
            var vocab = model.Manifest.VocabSize;
            _metrics.Batch(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                var session = batch[i].Session;
                var position = session.Cache.Length;
                var token = TokenSampler.Sample(logits.AsSpan(i * vocab, vocab), session.Sampling, position);
                var nodeMs = _time.GetElapsedTime(batch[i].Received).TotalMilliseconds;
                _metrics.Token(nodeMs / 1000, decode: positions == 1);
                session.Finish(_time.GetTimestamp());
                batch[i].Result.TrySetResult(new StepResult(token, position, nodeMs, batch.Count, computeMs));
            }
        }
        catch (Exception ex)
        {
            GenerationLog.RunFailed(_logger, batch.Count, cut, ex);
            foreach (var work in batch)
            {
                work.Session.Finish(_time.GetTimestamp());
                work.Result.TrySetException(new RpcException(new Status(StatusCode.Internal, "the decode run failed on the node; the session's cache is no longer reliable.")));
                Close(work.Session);
            }
        }
    }

    private async Task SweepAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = _time.GetTimestamp();
                var before = now - (long)(_options.IdleTimeout.TotalSeconds * _time.TimestampFrequency);
                foreach (var session in _sessions.Values)
                {
                    var idle = _time.GetElapsedTime(session.LastActive, now).TotalSeconds;
                    var bytes = session.Cache.Bytes;
                    if (session.TryExpire(before))
                    {
                        Release(session);
                        GenerationLog.SessionExpired(_logger, session.Id, idle, bytes);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Release(GenerationSession session)
    {
        if (_sessions.TryRemove(session.Id, out _))
        {
            lock (_budget)
            {
                _reserved -= session.ReservedBytes;
            }
        }
    }

    private sealed record Work(GenerationSession Session, float[] Rows, int Positions, long Received)
    {
        public TaskCompletionSource<StepResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

