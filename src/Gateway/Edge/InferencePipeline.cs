using System.Diagnostics;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.Gateway.Fairness;
using EdgeSplit.Gateway.Observability;
using EdgeSplit.Gateway.Security;
using EdgeSplit.Inference.Partitioning;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// One request as a straight line: device limits → decode and validate → admit → micro-batch → reply. Errors come back as
/// values (not exceptions) so the unary call can turn them into a status and the stream into an ErrorReply.
/// </summary>
internal sealed class InferencePipeline(
    ModelHost host,
    MicroBatcher batcher,
    LoadTracker load,
    IOptions<EdgeNodeOptions> options,
    TimeProvider time,
    ILogger<InferencePipeline> logger,
    EdgeMetrics metrics,
    DeviceLimiter limiter)
{
    private static readonly ActivitySource Source = new(TelemetryServiceCollectionExtensions.EdgeActivitySource);
    private readonly EdgeNodeOptions _options = options.Value;

    /// <summary>
    /// Runs one request. <paramref name="admitted"/>, when given, is called once the request is in the queue, with
    /// the node's estimate of the milliseconds until its reply is ready (the unary call sends it as early headers).
    /// The answer holds the device's queue slot: dispose it once the answer is written.
    /// </summary>
    public async Task<PipelineAnswer> RunAsync(InferRequest request, DeviceIdentity device, DateTime callDeadline, bool requireId, CancellationToken cancellation, Func<double, Task>? admitted = null)
    {
        // On a stream many requests share one HTTP request, so the device's per-request context travels in the message.
        var parent = ActivityContext.TryParse(request.Traceparent, null, out var context) ? context : Activity.Current?.Context ?? default;
        using var activity = Source.StartActivity("edgesplit.edge.infer", ActivityKind.Server, parent);
        activity?.SetTag("edgesplit.request_id", request.RequestId);
        activity?.SetTag("edgesplit.cut", request.Cut);
        var answer = await RunCoreAsync(request, device, callDeadline, requireId, admitted, cancellation).ConfigureAwait(false);
        if (answer.Error is { } error)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.Code.ToString());
            if (error.Code is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
            {
                metrics.Invalid(error.Code == StatusCode.InvalidArgument ? "invalid_argument" : "failed_precondition");
            }
        }
        else
        {
            var t = answer.Reply!.Timings;
            activity?.SetTag("edgesplit.batch_rows", t.BatchRows);
            metrics.Completed(request.Cut, EncodingName(request), t.TotalMs / 1000, t.QueueMs / 1000, t.ComputeMs / 1000);
        }

        return answer;
    }

    private async Task<PipelineAnswer> RunCoreAsync(InferRequest request, DeviceIdentity device, DateTime callDeadline, bool requireId, Func<double, Task>? admitted, CancellationToken cancellation)
    {
        var arrival = time.GetTimestamp();
        var model = host.Model;
        if (model is null)
        {
            return Refuse(request, new EdgeError(StatusCode.Unavailable, "the model is still loading; retry shortly (see /readyz)."));
        }

        // Per message, before any decoding: one stream carries many requests, and a refusal must cost nothing.
        var (lease, limited) = limiter.AcquireRequest(device, batcher.RetryAfterMs(batcher.QueueDepth));
        if (limited is not null)
        {
            return Refuse(request, limited);
        }

        try
        {
            var (reply, error) = await DecodeAndRunAsync(request, model, arrival, callDeadline, requireId, admitted, cancellation).ConfigureAwait(false);
            return new PipelineAnswer(reply, error, lease);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }
    }

    private async Task<(InferReply? Reply, EdgeError? Error)> DecodeAndRunAsync(InferRequest request, EdgeSplit.Inference.Runtime.SplitModel model, long arrival, DateTime callDeadline, bool requireId, Func<double, Task>? admitted, CancellationToken cancellation)
    {
        var deadline = DeadlineTimestamp(arrival, request.DeadlineMs, callDeadline);
        var error = RequestDecoder.Decode(request, model, _options, requireId, arrival, deadline, cancellation, out var item);
        if (error is not null)
        {
            return RefuseValue(request, error);
        }

        var decoded = time.GetTimestamp();
        error = batcher.TryEnqueue(item!);
        if (error is not null)
        {
            return RefuseValue(request, error);
        }

        if (admitted is not null)
        {
            await admitted(batcher.EstimateMs(item!)).ConfigureAwait(false);
        }

        var result = await item!.Completion.Task.ConfigureAwait(false);
        if (result.Error is not null)
        {
            return RefuseValue(request, result.Error);
        }

        var encodeStart = time.GetTimestamp();
        var reply = new InferReply
        {
            RequestId = request.RequestId,
            ModelHash = model.ModelHash,
            Cut = request.Cut,
            EndStage = model.StageCount,
        };
        foreach (var row in result.Embeddings!)
        {
            var embedding = new Embedding();
            embedding.Values.AddRange(row);
            reply.Embeddings.Add(embedding);
        }

        if (result.LastHidden is { } hidden)
        {
            reply.LastHidden = ActivationCodec.Encode(hidden, item.Rows, item.Sequence, model.HiddenSize, Encoding.F32);
        }

        reply.Load = Load(model.StageCount);
        var end = time.GetTimestamp();
        reply.Timings = new Timings
        {
            DecodeMs = time.GetElapsedTime(arrival, decoded).TotalMilliseconds,
            QueueMs = result.QueueMs,
            ComputeMs = result.ComputeMs,
            EncodeMs = time.GetElapsedTime(encodeStart, end).TotalMilliseconds,
            TotalMs = time.GetElapsedTime(arrival, end).TotalMilliseconds,
            BatchRows = result.BatchRows,
        };
        return (reply, null);
    }

    /// <summary>The node's answer to GetManifest: the model it serves, its stages, encodings, limits and current load.</summary>
    public Manifest DescribeNode()
    {
        var model = host.Model ?? throw new RpcException(new Status(StatusCode.Unavailable, "the model is still loading; retry shortly (see /readyz)."));
        var source = model.Manifest;
        var manifest = new Manifest
        {
            ModelId = source.ModelId,
            ModelHash = source.ModelHash,
            Scheme = source.Scheme,
            HiddenSize = source.HiddenSize,
            Encodings = { Encoding.F32, Encoding.F16, Encoding.I8, Encoding.I4 },
            AcceptsTokenIds = _options.AllowTokenIds,
            Limits = new Limits
            {
                MaxSequence = _options.MaxSequence,
                MaxBatch = _options.MaxRowsPerRequest,
                MaxMessageBytes = _options.MaxMessageBytes,
                MaxQueue = _options.MaxQueue,
                MaxBatchRows = _options.MaxBatchRows,
                BatchWindowMs = _options.BatchWindowMs,
            },
            Load = Load(model.StageCount),
        };
        foreach (var stage in source.Stages)
        {
            manifest.Stages.Add(new StageInfo { Index = stage.Index, Name = stage.Name, Kind = KindName(stage.Kind) });
        }

        return manifest;
    }

    private LoadReport Load(int stageCount) => load.Snapshot(batcher.QueueDepth, batcher.InFlight, stageCount);

    private PipelineAnswer Refuse(InferRequest request, EdgeError error) => new(null, Refused(request, error), null);

    private (InferReply?, EdgeError?) RefuseValue(InferRequest request, EdgeError error) => (null, Refused(request, error));

    private EdgeError Refused(InferRequest request, EdgeError error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            EdgeLog.RequestRefused(logger, EdgeError.Bound(request.RequestId, 128), error.Code, error.Message);
        }

        return error;
    }

    private long DeadlineTimestamp(long arrival, int deadlineMs, DateTime callDeadline)
    {
        var budget = TimeSpan.MaxValue;
        if (deadlineMs > 0)
        {
            budget = TimeSpan.FromMilliseconds(deadlineMs);
        }

        if (callDeadline != DateTime.MaxValue)
        {
            var remaining = callDeadline.ToUniversalTime() - time.GetUtcNow().UtcDateTime;
            budget = remaining < budget ? remaining : budget;
        }

        if (budget == TimeSpan.MaxValue)
        {
            return long.MaxValue;
        }

        return budget <= TimeSpan.Zero ? arrival : arrival + (long)(budget.TotalSeconds * time.TimestampFrequency);
    }

    private static string EncodingName(InferRequest request) => request.Cut == 0 || request.Activation is null
        ? "token_ids"
        : request.Activation.Encoding switch
        {
            Encoding.F32 => "f32",
            Encoding.F16 => "f16",
            Encoding.I8 => "i8",
            Encoding.I4 => "i4",
            _ => "unknown",
        };

    private static string KindName(StageKind kind) => kind switch
    {
        StageKind.Embeddings => "embeddings",
        StageKind.Layer => "layer",
        _ => "pooling",
    };
}
