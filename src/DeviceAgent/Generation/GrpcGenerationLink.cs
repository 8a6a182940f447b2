using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using Grpc.Core;

namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>One Generate stream: a session on the edge. A token not back within the step timeout counts as a failed edge.</summary>
internal sealed class GrpcGenerationLink(AsyncDuplexStreamingCall<GenerateRequest, GenerateReply> call, int hidden, TimeSpan stepTimeout) : IGenerationLink
{
    private bool _broken;

    /// <summary>Session id the edge gave, once the first token came back.</summary>
    public string? SessionId { get; private set; }

    /// <summary>Sessions in the decode run of the last token.</summary>
    public int LastBatchSessions { get; private set; }

    /// <summary>Node-side milliseconds of the last token (receipt of the row to the token).</summary>
    public double LastNodeMs { get; private set; }

    /// <summary>ONNX Runtime milliseconds of the node's run that produced the last token.</summary>
    public double LastComputeMs { get; private set; }

    public Task<int> PrefillAsync(float[] rows, int positions, CancellationToken cancellationToken) =>
        ExchangeAsync(new GenerateRequest { Prefill = new GeneratePrefill { Activation = ActivationCodec.Encode(rows, 1, positions, hidden, Encoding.F32) } }, stepTimeout * 4, cancellationToken);

    public Task<int> StepAsync(float[] row, int position, CancellationToken cancellationToken) =>
        ExchangeAsync(new GenerateRequest { Step = new GenerateStep { Position = position, Activation = ActivationCodec.Encode(row, 1, 1, hidden, Encoding.F32) } }, stepTimeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            // A failed exchange broke the stream: completing it could only wait out the 200 ms, on the token that failed over.
            if (!_broken)
            {
                await call.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromMilliseconds(200));
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
            // The stream is already broken; disposing the call below cancels it.
        }

        call.Dispose();
    }

    /// <summary>
    /// Writes one message. The edge may have ended the call (refused the session: another model, a full KV budget)
    /// while the message was on its way; the write then fails with CANCELLED or "the call is complete", and only the
    /// response carries the edge's status, reason and retry hint, so that is what is thrown.
    /// </summary>
    private async Task WriteAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await call.RequestStream.WriteAsync(request, cancellationToken);
        }
        catch (Exception written) when (written is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            RpcException? ended;
            try
            {
                // Still answering: the write failed on its own, and its exception is the one to throw.
                ended = await call.ResponseStream.MoveNext(cancellationToken) ? null : new RpcException(call.GetStatus(), call.GetTrailers());
            }
            catch (RpcException status)
            {
                ended = status;
            }

            if (ended is null)
            {
                throw;
            }

            throw ended;
        }
    }

    private async Task<int> ExchangeAsync(GenerateRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await WriteAsync(request, deadline.Token);
            if (!await call.ResponseStream.MoveNext(deadline.Token))
            {
                throw new RpcException(call.GetStatus());
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _broken = true;
            throw new TimeoutException($"the edge sent no token within {timeout.TotalMilliseconds:F0} ms.", ex);
        }
        catch
        {
            _broken = true;
            throw;
        }

        var reply = call.ResponseStream.Current;
        SessionId = reply.SessionId;
        LastBatchSessions = reply.BatchSessions;
        LastNodeMs = reply.NodeMs;
        LastComputeMs = reply.ComputeMs;
        return reply.Token;
    }
}
