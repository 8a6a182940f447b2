using EdgeSplit.Contracts.Transport;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Gateway.Edge.Reading;
using EdgeSplit.Gateway.Fairness;
using EdgeSplit.Gateway.Observability;
using EdgeSplit.Gateway.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Edge;

/// <summary>The <c>edgesplit.v1.SplitInference</c> gRPC service; its methods are bound by <see cref="SplitInferenceMethods"/>.</summary>
[BindServiceMethod(typeof(SplitInferenceMethods), nameof(SplitInferenceMethods.BindService))]
internal sealed class SplitInferenceService(
    InferencePipeline pipeline,
    DeviceLimiter limiter,
    MicroBatcher batcher,
    ModelHost host,
    IOptions<EdgeNodeOptions> options,
    EdgeMetrics metrics,
    MalformedInput malformed) : SplitInference.SplitInferenceBase
{
    private readonly EdgeNodeOptions _options = options.Value;

    public override Task<Manifest> GetManifest(ManifestRequest request, ServerCallContext context) => Task.FromResult(pipeline.DescribeNode());

    public override async Task<InferReply> Infer(InferRequest request, ServerCallContext context)
    {
        var device = DeviceIdentity.From(context.GetHttpContext());
        using var call = limiter.AcquireCall(device, stream: false, RetryAfterMs());
        var answer = await pipeline.RunAsync(request, device, context.Deadline, requireId: false, context.CancellationToken, eta => AcceptAsync(context, eta));

        // The device's queue slot stays taken until the reply has left (the response completes), not just until it
        // is computed: a device that does not read its replies keeps counting against its limits.
        context.GetHttpContext().Response.RegisterForDispose(answer);
        if (answer.Error is not { } error)
        {
            return answer.Reply!;
        }

        var trailers = new Metadata();
        if (error.RetryAfterMs > 0)
        {
            trailers.Add(ProtocolHeaders.RetryAfterMs, error.RetryAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        throw new RpcException(new Status(error.Code, error.Message), trailers);
    }

    public override async Task InferStream(IAsyncStreamReader<InferRequest> requestStream, IServerStreamWriter<StreamReply> responseStream, ServerCallContext context)
    {
        var device = DeviceIdentity.From(context.GetHttpContext());
        using var call = limiter.AcquireCall(device, stream: true, RetryAfterMs());
        using var writeGate = new SemaphoreSlim(1, 1);
        using var budget = new StreamBudget(_options.MaxStreamReplyBytes, metrics);
        var hidden = host.Model?.HiddenSize ?? 0;
        var outstanding = new List<Task>();
        RpcException? ended = null;
        try
        {
            while (true)
            {
                // Back-pressure: past the budget, read nothing more until the device takes its replies. Unread
                // requests stay in HTTP/2 flow control (the device's send window), not in this process.
                await budget.WaitForRoomAsync(context.CancellationToken);
                if (!await requestStream.MoveNext(context.CancellationToken))
                {
                    break;
                }

                var request = requestStream.Current;
                var charge = StreamBudget.Estimate(request, hidden, _options);
                budget.Add(charge);
                outstanding.Add(AnswerAsync(request, charge, device, responseStream, writeGate, budget, context));
                if (outstanding.Count > 256)
                {
                    outstanding.RemoveAll(t => t.IsCompleted);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            // The device reset or dropped the stream: a normal end for a phone, not a server error.
            await Task.WhenAll(outstanding);
            return;
        }
        catch (Exception ex) when (Unreadable(ex) is { } status)
        {
            // A message that cannot be read ends the stream (its framing is lost), but every request read before it
            // still gets its reply first, and the status names the problem instead of UNKNOWN or a bare reset.
            ended = new RpcException(status);
        }

        // The device closed its side (or sent something unreadable): finish everything it asked for before ending.
        await Task.WhenAll(outstanding);
        if (ended is not null)
        {
            throw ended;
        }
    }

    /// <summary>
    /// Tells the device at once that the request is admitted, and when to expect the answer: the early headers carry
    /// <see cref="ProtocolHeaders.EtaMs"/>. A device that no longer listens costs nothing here; its request still runs.
    /// </summary>
    private static async Task AcceptAsync(ServerCallContext context, double etaMs)
    {
        try
        {
            var eta = (int)Math.Clamp(Math.Ceiling(etaMs), 0, int.MaxValue);
            await context.WriteResponseHeadersAsync(new Metadata { { ProtocolHeaders.EtaMs, eta.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            // The call ended meanwhile (device gone, deadline passed): the reply path reports that.
        }
    }

    private int RetryAfterMs() => batcher.RetryAfterMs(batcher.QueueDepth);

    /// <summary>Maps what grpc-dotnet throws for a message it cannot read to the status a client expects; null for other failures.</summary>
    private Status? Unreadable(Exception exception)
    {
        if (exception is UnreadableMessageException refused)
        {
            // Refused (and counted) by the reader itself: only the words change for a stream.
            return refused.Kind == "too_large"
                ? new Status(StatusCode.ResourceExhausted, $"a message on the stream is larger than this node's limit of {_options.MaxMessageBytes} bytes (EdgeSplit:Edge:MaxMessageBytes); the stream is closed.")
                : new Status(StatusCode.InvalidArgument, $"a compressed message on the stream could not be decompressed with the call's grpc-encoding ({refused.Status.Detail}); the stream is closed.");
        }

        (string? Kind, Status Status) found = exception switch
        {
            Google.Protobuf.InvalidProtocolBufferException => ("protobuf", new Status(StatusCode.InvalidArgument, "a message on the stream is not a valid edgesplit.v1.InferRequest; the stream is closed.")),
            RpcException { StatusCode: StatusCode.ResourceExhausted } => ("too_large", new Status(StatusCode.ResourceExhausted, $"a message on the stream is larger than this node's limit of {_options.MaxMessageBytes} bytes (EdgeSplit:Edge:MaxMessageBytes); the stream is closed.")),
            RpcException { StatusCode: StatusCode.Internal } rpc when rpc.Status.Detail.Contains("Incomplete", StringComparison.Ordinal) => ("truncated", new Status(StatusCode.InvalidArgument, "the stream ended in the middle of a message (truncated gRPC frame); the stream is closed.")),
            RpcException { StatusCode: StatusCode.Internal } rpc when rpc.Status.Detail.Contains("grpc-encoding", StringComparison.Ordinal) => ("compression", new Status(StatusCode.InvalidArgument, $"a message on the stream is marked compressed but the call's grpc-encoding cannot decode it ({rpc.Status.Detail}); the stream is closed.")),
            InvalidDataException when exception.Message.Contains("compressed flag", StringComparison.Ordinal) => ("flag", new Status(StatusCode.InvalidArgument, "a gRPC frame on the stream has a compressed flag other than 0 or 1; the stream is closed.")),
            InvalidDataException or IOException { InnerException: InvalidDataException } => ("compression", new Status(StatusCode.InvalidArgument, $"a compressed message on the stream could not be decompressed with the call's grpc-encoding ({exception.Message}); the stream is closed.")),
            IOException when exception.Message.StartsWith("Message too large", StringComparison.Ordinal) => ("too_large", new Status(StatusCode.ResourceExhausted, $"a gRPC frame on the stream declares more than this node's limit of {_options.MaxMessageBytes} bytes (EdgeSplit:Edge:MaxMessageBytes); the stream is closed.")),
            _ => ((string?)null, default(Status)),
        };
        if (found.Kind is null)
        {
            return null;
        }

        malformed.Report(found.Kind, found.Status.Detail);
        return found.Status;
    }

    private async Task AnswerAsync(InferRequest request, long charge, DeviceIdentity device, IServerStreamWriter<StreamReply> stream, SemaphoreSlim writeGate, StreamBudget budget, ServerCallContext context)
    {
        // The device's queue slot is held until the reply is written (or the stream is gone), so replies a device does
        // not take keep counting against its MaxQueued.
        using var answer = await pipeline.RunAsync(request, device, context.Deadline, requireId: true, context.CancellationToken);
        var message = new StreamReply { RequestId = request.RequestId };
        if (answer.Error is not { } error)
        {
            message.Reply = answer.Reply;
        }
        else
        {
            message.Error = new ErrorReply { Code = (int)error.Code, Message = error.Message, RetryAfterMs = error.RetryAfterMs };
        }

        // From here the stream holds the reply itself, at its real size.
        long size = message.CalculateSize();
        budget.Add(size - charge);
        try
        {
            await writeGate.WaitAsync(context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            budget.Add(-size);
            return; // the device went away; nobody is left to answer
        }

        try
        {
            if (!context.CancellationToken.IsCancellationRequested)
            {
                await stream.WriteAsync(message);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            // The device went away mid-stream; nobody is left to answer.
        }
        finally
        {
            writeGate.Release();
            budget.Add(-size);
        }
    }
}
