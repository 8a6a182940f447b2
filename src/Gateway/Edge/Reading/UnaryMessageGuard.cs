using System.Collections.Frozen;
using System.IO.Pipelines;
using EdgeSplit.Contracts.V1;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeSplit.Gateway.Edge.Reading;

/// <summary>
/// Gives a unary call (Infer, GetManifest) a body reader that checks the gRPC frame as grpc-dotnet reads it
/// (<see cref="FrameCheckingReader"/>). The message itself is decompressed (<see cref="BoundedCompressionProvider"/>)
/// and parsed (<see cref="SplitInferenceMethods"/>) once, by grpc-dotnet, each refusing what it cannot read with a
/// status that names the problem. Streams need no guard: their messages are read inside the service, which maps the
/// same failures.
/// </summary>
internal sealed class UnaryMessageGuard(RequestDelegate next, MalformedInput malformed)
{
    private static readonly PathString Service = "/" + SplitInference.Descriptor.FullName;

    /// <summary>The service's unary methods, as the proto declares them (Infer, GetManifest).</summary>
    private static readonly FrozenSet<string> UnaryMethods = SplitInference.Descriptor.Methods
        .Where(m => !m.IsClientStreaming && !m.IsServerStreaming)
        .Select(m => "/" + m.Name)
        .ToFrozenSet(StringComparer.Ordinal);

    public Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsPost(context.Request.Method)
            && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
            && context.Request.Path.StartsWithSegments(Service, StringComparison.Ordinal, out var method)
            && method.Value is { } name && UnaryMethods.Contains(name))
        {
            var encoding = context.Request.Headers["grpc-encoding"].ToString();
            var reader = new FrameCheckingReader(context.Request.BodyReader, encoding is not ("" or "identity"), malformed);
            context.Features.Set<IRequestBodyPipeFeature>(new BodyPipe(reader));
        }

        return next(context);
    }

    private sealed class BodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }
}
