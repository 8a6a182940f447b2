using System.Buffers.Binary;
using EdgeSplit.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Edge;

/// <summary>
/// Gives a unary Infer call whose body is not an <c>edgesplit.v1.InferRequest</c> INVALID_ARGUMENT with a message,
/// instead of the UNKNOWN (and error log with a stack trace) grpc-dotnet produces when its deserializer throws
/// before any of our code runs. Streams need no guard: their messages are read inside the service.
/// </summary>
internal sealed class UnaryMessageGuard(RequestDelegate next, IOptions<EdgeNodeOptions> options)
{
    private const string InferPath = "/edgesplit.v1.SplitInference/Infer";
    private readonly int _maxMessageBytes = options.Value.MaxMessageBytes;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method)
            || context.Request.Path != InferPath
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
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
        var problem = Check(body);
        if (problem is null)
        {
            await next(context);
            return;
        }

        // A trailers-only gRPC response: HTTP 200 with the status in the headers.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = "3";
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(problem);
        await context.Response.CompleteAsync();
    }

    private static string? Check(byte[] body)
    {
        if (body.Length < 5)
        {
            return "the request body is not a gRPC message (shorter than the 5-byte frame header).";
        }

        if (body[0] != 0)
        {
            return null; // compressed: left to gRPC, which refuses unsupported encodings itself
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4));
        if (length != body.Length - 5)
        {
            return $"the gRPC frame declares {length} bytes but carries {body.Length - 5}.";
        }

        try
        {
            InferRequest.Parser.ParseFrom(body.AsSpan(5));
            return null;
        }
        catch (InvalidProtocolBufferException ex)
        {
            return $"the request is not a valid edgesplit.v1.InferRequest message: {ex.Message}";
        }
    }
}
