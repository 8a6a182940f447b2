using EdgeSplit.Contracts.Transport;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Gateway.Fairness;
using EdgeSplit.Gateway.Security;
using Grpc.Core;

namespace EdgeSplit.Gateway.Edge;

/// <summary>The <c>edgesplit.v1.SplitInference</c> gRPC service.</summary>
internal sealed class SplitInferenceService(InferencePipeline pipeline, DeviceLimiter limiter, MicroBatcher batcher) : SplitInference.SplitInferenceBase
{
    public override Task<Manifest> GetManifest(ManifestRequest request, ServerCallContext context) => Task.FromResult(pipeline.Manifest());

    public override async Task<InferReply> Infer(InferRequest request, ServerCallContext context)
    {
        var device = DeviceIdentity.From(context.GetHttpContext());
        using var call = limiter.AcquireCall(device, stream: false, RetryAfterMs());
        var (reply, error) = await pipeline.RunAsync(request, device, context.Deadline, requireId: false, context.CancellationToken, eta => AcceptAsync(context, eta));
        if (error is null)
        {
            return reply!;
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
        var outstanding = new List<Task>();
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                outstanding.Add(AnswerAsync(request, device, responseStream, writeGate, context));
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
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            // Bytes that are not an InferRequest: answer what was asked so far, then end the stream with a status
            // that names the problem (grpc-dotnet would report UNKNOWN).
            await Task.WhenAll(outstanding);
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a message on the stream is not a valid edgesplit.v1.InferRequest; the stream is closed."));
        }

        // The device closed its side: finish everything it asked for before ending the call.
        await Task.WhenAll(outstanding);
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

    private async Task AnswerAsync(InferRequest request, DeviceIdentity device, IServerStreamWriter<StreamReply> stream, SemaphoreSlim writeGate, ServerCallContext context)
    {
        var (reply, error) = await pipeline.RunAsync(request, device, context.Deadline, requireId: true, context.CancellationToken);
        var message = new StreamReply { RequestId = request.RequestId };
        if (error is null)
        {
            message.Reply = reply;
        }
        else
        {
            message.Error = new ErrorReply { Code = (int)error.Code, Message = error.Message, RetryAfterMs = error.RetryAfterMs };
        }

        await writeGate.WaitAsync(CancellationToken.None);
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
        }
    }
}
