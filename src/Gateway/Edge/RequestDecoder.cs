using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.Inference.Runtime;
using Grpc.Core;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Turns a wire request into a <see cref="WorkItem"/> or an error naming exactly what is wrong. Nothing
/// unvalidated reaches ONNX Runtime: identity, stage, shapes, lengths, finiteness, token ids and mask.
/// </summary>
internal static class RequestDecoder
{
    public const int MaxRequestIdLength = 256;

    public static EdgeError? Decode(
        InferRequest request,
        SplitModel model,
        EdgeNodeOptions options,
        bool requireId,
        long arrival,
        long deadline,
        CancellationToken cancellation,
        out WorkItem? item)
    {
        item = null;
        try
        {
            item = DecodeCore(request, model, options, requireId, arrival, deadline, cancellation);
            return null;
        }
        catch (ActivationFormatException ex)
        {
            return EdgeError.Invalid(ex.Message);
        }
        catch (RequestRefusedException ex)
        {
            return ex.Error;
        }
    }

    private static WorkItem DecodeCore(InferRequest request, SplitModel model, EdgeNodeOptions options, bool requireId, long arrival, long deadline, CancellationToken cancellation)
    {
        if (requireId && string.IsNullOrEmpty(request.RequestId))
        {
            throw Invalid("request_id is required on InferStream: replies are matched to requests by it.");
        }

        if (request.RequestId.Length > MaxRequestIdLength)
        {
            throw Invalid($"request_id has {request.RequestId.Length} characters; at most {MaxRequestIdLength} are allowed.");
        }

        var manifest = model.Manifest;
        if (!string.Equals(request.ModelHash, manifest.ModelHash, StringComparison.Ordinal)
            || !string.Equals(request.Scheme, manifest.Scheme, StringComparison.Ordinal))
        {
            throw new RequestRefusedException(new EdgeError(
                StatusCode.FailedPrecondition,
                $"model mismatch: the request is for model hash '{request.ModelHash}' (scheme '{request.Scheme}') but this node serves '{manifest.ModelHash}' (scheme '{manifest.Scheme}'); fetch GetManifest and re-partition."));
        }

        var last = model.StageCount - 1;
        if (request.Cut < 0 || request.Cut > last)
        {
            throw Invalid($"cut {request.Cut} is out of range: this node runs stages 0..{last} ({model.StageCount} stages, the last is pooling).");
        }

        if (request.DeadlineMs < 0)
        {
            throw Invalid($"deadline_ms is {request.DeadlineMs}; it must be 0 (none) or positive.");
        }

        return request.Cut == 0
            ? DecodeTokens(request, model, options, arrival, deadline, cancellation)
            : DecodeHidden(request, model, options, arrival, deadline, cancellation);
    }

    private static WorkItem DecodeTokens(InferRequest request, SplitModel model, EdgeNodeOptions options, long arrival, long deadline, CancellationToken cancellation)
    {
        if (!options.AllowTokenIds)
        {
            throw new RequestRefusedException(new EdgeError(
                StatusCode.FailedPrecondition,
                "this node does not accept token ids (cut 0; EdgeSplit:Edge:AllowTokenIds is false): run at least the embeddings stage on the device."));
        }

        if (request.Activation is not null)
        {
            throw Invalid("cut 0 takes input_ids and token_shape, not an activation.");
        }

        var shape = request.TokenShape;
        if (shape.Count != 2)
        {
            throw Invalid($"token_shape has rank {shape.Count} ([{string.Join(", ", shape)}]); expected [batch, sequence].");
        }

        var (batch, sequence) = CheckDims(shape[0], shape[1], options);
        var count = batch * sequence;
        if (request.InputIds.Count != count)
        {
            throw Invalid($"input_ids has {request.InputIds.Count} values; token_shape [{batch}, {sequence}] needs {count}.");
        }

        var vocab = model.Manifest.VocabSize ?? model.Tokenizer.VocabSize;
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            var id = request.InputIds[i];
            if (id < 0 || id >= vocab)
            {
                throw Invalid($"input_ids[{i}] is {id}; token ids must be in 0..{vocab - 1}.");
            }

            ids[i] = id;
        }

        var types = new long[count];
        if (request.TokenTypeIds.Count != 0)
        {
            if (request.TokenTypeIds.Count != count)
            {
                throw Invalid($"token_type_ids has {request.TokenTypeIds.Count} values; token_shape [{batch}, {sequence}] needs {count} (or none).");
            }

            for (var i = 0; i < count; i++)
            {
                var type = request.TokenTypeIds[i];
                if (type is not (0 or 1))
                {
                    throw Invalid($"token_type_ids[{i}] is {type}; only 0 and 1 are allowed.");
                }

                types[i] = type;
            }
        }

        ActivationCodec.ValidateMask(request.AttentionMask, batch, sequence);
        return Item(request, batch, sequence, arrival, deadline, cancellation, ids: ids, types: types);
    }

    private static WorkItem DecodeHidden(InferRequest request, SplitModel model, EdgeNodeOptions options, long arrival, long deadline, CancellationToken cancellation)
    {
        if (request.Activation is null)
        {
            throw Invalid($"cut {request.Cut} needs an activation (the hidden state at the cut).");
        }

        if (request.InputIds.Count != 0 || request.TokenShape.Count != 0)
        {
            throw Invalid($"cut {request.Cut} takes an activation; input_ids and token_shape are only for cut 0.");
        }

        var (batch, sequence) = ActivationCodec.ValidateShape(request.Activation, model.HiddenSize, options.MaxRowsPerRequest, options.MaxSequence);
        ActivationCodec.ValidateMask(request.AttentionMask, batch, sequence);
        var data = new float[batch * sequence * model.HiddenSize];
        ActivationCodec.DecodeInto(request.Activation, model.HiddenSize, data);
        CheckMagnitude(data, model.HiddenSize, options.MaxActivationMagnitude);
        return Item(request, batch, sequence, arrival, deadline, cancellation, hidden: data);
    }

    /// <summary>The work item for a decoded request: its tensor (token ids or hidden state) and everything else it asks.</summary>
    private static WorkItem Item(InferRequest request, int batch, int sequence, long arrival, long deadline, CancellationToken cancellation, float[]? hidden = null, long[]? ids = null, long[]? types = null) => new()
    {
        Cut = request.Cut,
        Rows = batch,
        Sequence = sequence,
        Mask = [.. request.AttentionMask],
        Hidden = hidden,
        InputIds = ids,
        TokenTypeIds = types,
        ReturnHidden = request.ReturnHidden,
        ArrivalTimestamp = arrival,
        DeadlineTimestamp = deadline,
        Cancellation = cancellation,
    };

    /// <summary>
    /// Refuses values beyond <see cref="EdgeNodeOptions.MaxActivationMagnitude"/> up front: far beyond anything an encoder
    /// produces, they overflow inside the model (into NaN) and would only cost a batch to find out.
    /// </summary>
    private static void CheckMagnitude(ReadOnlySpan<float> data, int hidden, double limit)
    {
        if (data.IsEmpty || System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(data) is var max && Math.Abs(max) <= limit)
        {
            return;
        }

        var index = 0;
        while (Math.Abs(data[index]) <= limit)
        {
            index++;
        }

        throw Invalid($"activation value {data[index]:G4} (flattened token {index / hidden}, channel {index % hidden}) is beyond this node's limit of {limit:G6} in magnitude (EdgeSplit:Edge:MaxActivationMagnitude); hidden states of an encoder stay far below it.");
    }

    private static (int Batch, int Sequence) CheckDims(long batch, long sequence, EdgeNodeOptions options)
    {
        if (batch < 1 || batch > options.MaxRowsPerRequest)
        {
            throw Invalid($"batch is {batch}; it must be between 1 and {options.MaxRowsPerRequest}.");
        }

        if (sequence < 1 || sequence > options.MaxSequence)
        {
            throw Invalid($"sequence length is {sequence}; it must be between 1 and {options.MaxSequence}.");
        }

        return ((int)batch, (int)sequence);
    }

    private static RequestRefusedException Invalid(string message) => new(EdgeError.Invalid(message));
}
