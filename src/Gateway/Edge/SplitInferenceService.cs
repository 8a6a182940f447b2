using EdgeSplit.Contracts.V1;
using Grpc.Core;

namespace EdgeSplit.Gateway.Edge;

/// <summary>The <c>edgesplit.v1.SplitInference</c> gRPC service.</summary>
internal sealed class SplitInferenceService(InferencePipeline pipeline) : SplitInference.SplitInferenceBase
{
    /// <summary>Trailer (and ErrorReply field) telling a refused client when to come back.</summary>
    public const string RetryAfterTrailer = "retry-after-ms";

    public override Task<Manifest> GetManifest(ManifestRequest request, ServerCallContext context) => Task.FromResult(pipeline.Manifest());

    public override async Task<InferReply> Infer(InferRequest request, ServerCallContext context)
    {
        var (reply, error) = await pipeline.RunAsync(request, context.Deadline, requireId: false, context.CancellationToken);
        if (error is null)
        {
            return reply!;
        }

        var trailers = new Metadata();
        if (error.RetryAfterMs > 0)
        {
            trailers.Add(RetryAfterTrailer, error.RetryAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        throw new RpcException(new Status(error.Code, error.Message), trailers);
    }

    public override async Task InferStream(IAsyncStreamReader<InferRequest> requestStream, IServerStreamWriter<StreamReply> responseStream, ServerCallContext context)
    {
        using var writeGate = new SemaphoreSlim(1, 1);
        var outstanding = new List<Task>();
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                outstanding.Add(AnswerAsync(request, responseStream, writeGate, context));
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

        // The device closed its side: finish everything it asked for before ending the call.
        await Task.WhenAll(outstanding);
    }

    private async Task AnswerAsync(InferRequest request, IServerStreamWriter<StreamReply> stream, SemaphoreSlim writeGate, ServerCallContext context)
    {
        var (reply, error) = await pipeline.RunAsync(request, context.Deadline, requireId: true, context.CancellationToken);
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
