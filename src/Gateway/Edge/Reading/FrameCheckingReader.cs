using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Grpc.Core;

namespace EdgeSplit.Gateway.Edge.Reading;

/// <summary>
/// The request body of one unary call as grpc-dotnet reads it, with the frame checked on the way: a compressed flag
/// other than 0 or 1, a compressed message without a grpc-encoding, and a body that is not exactly one frame are
/// refused with INVALID_ARGUMENT. grpc-dotnet would answer these with UNKNOWN and an Error log with a stack trace, or
/// INTERNAL. Nothing is buffered or copied: the reader only looks at what grpc-dotnet is about to read anyway.
/// </summary>
internal sealed class FrameCheckingReader(PipeReader inner, bool hasEncoding, MalformedInput malformed) : PipeReader
{
    private const int HeaderSize = 5;

    private ReadOnlySequence<byte> _last;
    private long _consumed;
    private long _declared = -1;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        Check(await inner.ReadAsync(cancellationToken));

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        result = Check(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        _consumed += _last.Slice(_last.Start, consumed).Length;
        inner.AdvanceTo(consumed);
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumed += _last.Slice(_last.Start, consumed).Length;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    private ReadResult Check(ReadResult result)
    {
        _last = result.Buffer;
        var received = _consumed + result.Buffer.Length;
        if (_declared < 0 && received >= HeaderSize)
        {
            // Nothing is consumed before the whole first frame has arrived, so the header is at the buffer's start.
            Span<byte> header = stackalloc byte[HeaderSize];
            result.Buffer.Slice(0, HeaderSize).CopyTo(header);
            if (header[0] > 1)
            {
                throw Refuse(result, "flag", $"the gRPC frame's compressed flag is {header[0]}; only 0 (plain) and 1 (compressed with grpc-encoding) exist.");
            }

            if (header[0] == 1 && !hasEncoding)
            {
                throw Refuse(result, "compression", "the gRPC frame is marked compressed but the call has no grpc-encoding to decode it with.");
            }

            _declared = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        }

        if (result.IsCompleted && received < HeaderSize)
        {
            throw Refuse(result, "truncated", "the request body is not a gRPC message (shorter than the 5-byte frame header).");
        }

        if (_declared >= 0 && (result.IsCompleted ? received != HeaderSize + _declared : received > HeaderSize + _declared))
        {
            var carries = result.IsCompleted ? $"{received - HeaderSize}" : "more";
            throw Refuse(result, "truncated", $"the gRPC frame declares {_declared} bytes but carries {carries}.");
        }

        return result;
    }

    /// <summary>Hands the buffer back (the caller never sees it) and builds the refusal.</summary>
    private UnreadableMessageException Refuse(ReadResult result, string kind, string detail)
    {
        inner.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        return malformed.Refuse(kind, StatusCode.InvalidArgument, detail);
    }
}
