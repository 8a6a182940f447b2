using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace EdgeSplit.Gateway.Edge.Reading;

/// <summary>
/// One of grpc-dotnet's compression providers, with decompression bounded: grpc-dotnet expands a compressed message
/// in full before any size check (a gzip bomb would fill memory), and a corrupt one throws an exception it answers
/// with UNKNOWN and an Error log. Here expansion stops at MaxMessageBytes (RESOURCE_EXHAUSTED) and corrupt input is
/// INVALID_ARGUMENT, both counted as malformed. Compression of replies is the wrapped provider's.
/// </summary>
internal sealed class BoundedCompressionProvider(ICompressionProvider inner, int maxMessageBytes, MalformedInput malformed) : ICompressionProvider
{
    public string EncodingName => inner.EncodingName;

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) => inner.CreateCompressionStream(stream, compressionLevel);

    public Stream CreateDecompressionStream(Stream stream) => new Bounded(inner.CreateDecompressionStream(stream), inner.EncodingName, maxMessageBytes, malformed);

    private sealed class Bounded(Stream decompressing, string name, int limit, MalformedInput malformed) : Stream
    {
        private long _total;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _total; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = decompressing.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                throw malformed.Refuse("compression", StatusCode.InvalidArgument, $"the message is marked {name}-compressed but is not valid {name}: {ex.Message}");
            }

            _total += read;
            if (_total > limit)
            {
                throw malformed.Refuse("too_large", StatusCode.ResourceExhausted, $"the {name}-compressed message expands beyond this node's limit of {limit} bytes (EdgeSplit:Edge:MaxMessageBytes).");
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                decompressing.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
