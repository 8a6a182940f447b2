using System.Buffers.Binary;
using System.IO.Compression;
using EdgeSplit.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Gives a unary call (Infer, GetManifest) whose body cannot be read — not a gRPC frame, a compressed flag other than
/// 0 or 1, a compressed message the call's grpc-encoding cannot decode, not the method's protobuf message — a status
/// with a message (INVALID_ARGUMENT; RESOURCE_EXHAUSTED when it decompresses beyond the size limit), instead of the
/// UNKNOWN and Error log with a stack trace grpc-dotnet produces when its reader or deserializer throws before any of
/// our code runs. Every refusal is counted and logged at a rate limit (<see cref="MalformedInput"/>). Streams need no
/// guard: their messages are read inside the service, which maps the same failures.
/// </summary>
internal sealed class UnaryMessageGuard(RequestDelegate next, IOptions<EdgeNodeOptions> options, MalformedInput malformed)
{
    private const string Service = "/edgesplit.v1.SplitInference";
    private readonly int _maxMessageBytes = options.Value.MaxMessageBytes;

    public async Task InvokeAsync(HttpContext context)
    {
        var message = HttpMethods.IsPost(context.Request.Method)
            && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
            ? ParserFor(context.Request.Path)
            : null;
        if (message is null)
        {
            await next(context);
            return;
        }

        // Buffer the one message (bounded: oversized bodies are left to gRPC's own size limit) and parse it once here.
        context.Request.EnableBuffering(bufferThreshold: 1024 * 1024, bufferLimit: (long)_maxMessageBytes + 5);
        byte[] body;
        try
        {
            using var copy = new MemoryStream();
            await context.Request.Body.CopyToAsync(copy, context.RequestAborted);
            body = copy.ToArray();
        }
        catch (IOException)
        {
            // Over the buffer limit or a broken connection: gRPC answers that itself.
            context.Request.Body.Position = 0;
            await next(context);
            return;
        }

        context.Request.Body.Position = 0;
        var problem = Check(body, context.Request.Headers["grpc-encoding"].ToString(), message.Value);
        if (problem is null)
        {
            await next(context);
            return;
        }

        malformed.Report(problem.Value.Kind, problem.Value.Message);

        // A trailers-only gRPC response: HTTP 200 with the status in the headers.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = problem.Value.Kind == "too_large" ? "8" : "3";
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(problem.Value.Message);
        await context.Response.CompleteAsync();
    }

    private static (MessageParser Parser, string Name)? ParserFor(PathString path) =>
        !path.StartsWithSegments(Service, StringComparison.Ordinal, out var method) ? null
        : method.Value switch
        {
            "/Infer" => (InferRequest.Parser, "edgesplit.v1.InferRequest"),
            "/GetManifest" => (ManifestRequest.Parser, "edgesplit.v1.ManifestRequest"),
            _ => null,
        };

    private (string Kind, string Message)? Check(byte[] body, string encoding, (MessageParser Parser, string Name) message)
    {
        if (body.Length < 5)
        {
            return ("truncated", "the request body is not a gRPC message (shorter than the 5-byte frame header).");
        }

        if (body[0] > 1)
        {
            return ("flag", $"the gRPC frame's compressed flag is {body[0]}; only 0 (plain) and 1 (compressed with grpc-encoding) exist.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4));
        if (length != body.Length - 5)
        {
            return ("truncated", $"the gRPC frame declares {length} bytes but carries {body.Length - 5}.");
        }

        var payload = body.AsMemory(5);
        if (body[0] == 1)
        {
            if (encoding is "" or "identity")
            {
                return ("compression", "the gRPC frame is marked compressed but the call has no grpc-encoding to decode it with.");
            }

            if (encoding != "gzip")
            {
                return null; // an encoding this node does not know: gRPC answers UNIMPLEMENTED and lists the ones it does
            }

            try
            {
                if (Gunzip(payload) is not { } plain)
                {
                    return ("too_large", $"the gzip-compressed message expands beyond this node's limit of {_maxMessageBytes} bytes (EdgeSplit:Edge:MaxMessageBytes).");
                }

                payload = plain;
            }
            catch (InvalidDataException ex)
            {
                return ("compression", $"the message is marked gzip-compressed but is not valid gzip: {ex.Message}");
            }
        }

        try
        {
            message.Parser.ParseFrom(payload.Span);
            return null;
        }
        catch (InvalidProtocolBufferException ex)
        {
            return ("protobuf", $"the request is not a valid {message.Name} message: {ex.Message}");
        }
    }

    /// <summary>Decompresses at most MaxMessageBytes; null beyond (a gzip bomb stops there, it is not expanded).</summary>
    private Memory<byte>? Gunzip(ReadOnlyMemory<byte> compressed)
    {
        using var input = new MemoryStream(compressed.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = gzip.Read(buffer)) > 0)
        {
            if (output.Length + read > _maxMessageBytes)
            {
                return null;
            }

            output.Write(buffer, 0, read);
        }

        return output.GetBuffer().AsMemory(0, (int)output.Length);
    }
}
