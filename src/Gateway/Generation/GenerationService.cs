using System.Globalization;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.Inference.Decoder;
using Grpc.Core;

namespace EdgeSplit.Gateway.Generation;

/// <summary>
/// The Generate stream: open (model hash, cut, sampling), prefill with the prompt's cut rows, then one row per
/// token; each answered with the next token. A refused message ends only its own stream, with a status naming
/// the problem; other sessions go on.
/// </summary>
internal sealed class GenerationService(GenerationHost host, DecodeScheduler scheduler, Microsoft.Extensions.Options.IOptions<GenerationOptions> options, ILogger<GenerationService> logger)
    : SplitGeneration.SplitGenerationBase
{
    public override async Task Generate(IAsyncStreamReader<GenerateRequest> requestStream, IServerStreamWriter<GenerateReply> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var model = host.Model ?? throw Refuse("-", host.Configured
            ? new Status(StatusCode.Unavailable, "the decoder is still loading; retry shortly (see /readyz).")
            : new Status(StatusCode.FailedPrecondition, "this node serves no decoder: EdgeSplit:Edge:ModelPath names an encoder."));
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct))
        {
            return;
        }

        var first = requestStream.Current;
        if (first.MessageCase != GenerateRequest.MessageOneofCase.Open)
        {
            throw Refuse("-", new Status(StatusCode.InvalidArgument, $"no session is open on this stream: the first message must be open, not {first.MessageCase.ToString().ToLowerInvariant()}."));
        }

        var session = Open(model, first.Open);
        try
        {
            var hidden = model.Manifest.HiddenSize;
            while (await requestStream.MoveNext(ct))
            {
                var request = requestStream.Current;
                if (session.Ended)
                {
                    throw Refuse(session.Id, scheduler.Expired(session).Status);
                }

                var (tensor, positions) = request.MessageCase switch
                {
                    GenerateRequest.MessageOneofCase.Prefill when session.Cache.Length == 0 => (request.Prefill.Activation, -1),
                    GenerateRequest.MessageOneofCase.Prefill => throw Refuse(session.Id, new Status(StatusCode.InvalidArgument,
                        $"session {session.Id} is already prefilled ({session.Cache.Length} positions); send steps.")),
                    GenerateRequest.MessageOneofCase.Step when session.Cache.Length == 0 => throw Refuse(session.Id, new Status(StatusCode.InvalidArgument,
                        $"session {session.Id} has no prefill yet; send the prompt's cut activations first.")),
                    GenerateRequest.MessageOneofCase.Step when request.Step.Position != session.Cache.Length => throw Refuse(session.Id, new Status(StatusCode.InvalidArgument,
                        string.Create(CultureInfo.InvariantCulture, $"step for position {request.Step.Position} out of order: session {session.Id} expects position {session.Cache.Length}."))),
                    GenerateRequest.MessageOneofCase.Step => (request.Step.Activation, 1),
                    GenerateRequest.MessageOneofCase.Open => throw Refuse(session.Id, new Status(StatusCode.InvalidArgument, "open sent twice: one session per stream.")),
                    _ => throw Refuse(session.Id, new Status(StatusCode.InvalidArgument, "empty message: expected prefill or step.")),
                };
                float[] rows;
                int sequence;
                try
                {
                    if (tensor is null)
                    {
                        throw new ActivationFormatException("the message has no activation.");
                    }

                    (_, sequence) = ActivationCodec.ValidateShape(tensor, hidden, 1, session.MaxPositions - session.Cache.Length);
                    if (positions == 1 && sequence != 1)
                    {
                        throw new ActivationFormatException($"a step carries one position; this activation has {sequence}.");
                    }

                    rows = new float[sequence * hidden];
                    ActivationCodec.DecodeInto(tensor, hidden, rows);
                }
                catch (ActivationFormatException ex)
                {
                    throw Refuse(session.Id, new Status(StatusCode.InvalidArgument, ex.Message));
                }

                var result = await scheduler.SubmitAsync(session, rows, sequence, ct);
                await responseStream.WriteAsync(new GenerateReply
                {
                    SessionId = session.Id,
                    Position = result.Position,
                    Token = result.Token,
                    NodeMs = result.NodeMs,
                    BatchSessions = result.BatchSessions,
                    ComputeMs = result.ComputeMs,
                }, ct);
            }
        }
        finally
        {
            scheduler.Close(session);
        }
    }

    private GenerationSession Open(DecoderModel model, GenerateOpen open)
    {
        if (!string.Equals(open.ModelHash, model.ModelHash, StringComparison.Ordinal))
        {
            throw Refuse("-", new Status(StatusCode.FailedPrecondition,
                $"model hash mismatch: the device has '{Edge.EdgeError.Bound(open.ModelHash, 80)}', this node serves '{model.ModelHash}'."));
        }

        if (open.Cut < 1 || open.Cut >= model.StageCount)
        {
            throw Refuse("-", new Status(StatusCode.InvalidArgument, $"cut {open.Cut} is out of range: this decoder has {model.StageCount} stages, so the node can start at 1..{model.StageCount - 1}."));
        }

        var maxPositions = open.MaxPositions == 0 ? options.Value.MaxPositions : open.MaxPositions;
        if (maxPositions < 1 || maxPositions > options.Value.MaxPositions)
        {
            throw Refuse("-", new Status(StatusCode.InvalidArgument, $"max_positions {open.MaxPositions} is out of range 1..{options.Value.MaxPositions}."));
        }

        var sampling = new SamplingOptions
        {
            Temperature = open.Sampling?.Temperature ?? 0,
            TopP = open.Sampling is { TopP: > 0 } s ? s.TopP : 1,
            Seed = open.Sampling?.Seed ?? 0,
        };
        try
        {
            sampling.Validate();
        }
        catch (ArgumentException ex)
        {
            throw Refuse("-", new Status(StatusCode.InvalidArgument, ex.Message));
        }

        return scheduler.Open(model, open.Cut, sampling, maxPositions);
    }

    private RpcException Refuse(string sessionId, Status status)
    {
        GenerationLog.SessionRefused(logger, sessionId, status.StatusCode, status.Detail);
        return new RpcException(status);
    }
}
