using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeSplit.Gateway.Router;

/// <summary>
/// Turns a failed forward of a gRPC call into the status a gRPC client expects: UNAVAILABLE with a message naming what
/// happened. Without it YARP answers 502 before the response starts (clients read UNAVAILABLE, but with no message) and,
/// once it has started — an edge killed under a stream, or under a unary call that already got its early headers —
/// resets the stream with RST_STREAM CANCEL, which clients report as CANCELLED and many do not retry. Here YARP's reset
/// is held back and the call ends with grpc-status 14 in trailers instead; the device then knows to fail over. A reset
/// is still sent when the client itself is gone (nobody to tell).
/// </summary>
internal sealed class EdgeFailureStatus(RequestDelegate next, ILogger<EdgeFailureStatus> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            await next(context);
            return;
        }

        var reset = context.Features.Get<IHttpResetFeature>();
        var held = reset is null ? null : new HeldReset(reset);
        if (held is not null)
        {
            context.Features.Set<IHttpResetFeature>(held);
        }

        try
        {
            await next(context);
        }
        finally
        {
            if (held is not null)
            {
                context.Features.Set(reset);
            }
        }

        if (context.Features.Get<IForwarderErrorFeature>() is not { } failure)
        {
            return;
        }

        // Whether the client is gone is what RequestAborted says, not YARP's error kind. When the edge's connection drops,
        // the HTTP/2 client cancels the upload it was copying, mid-read from the client; YARP counts a read cancelled that
        // way as a failed read from the client (RequestBodyClient), and reports it whenever that copy ended before the
        // response copy failed. The device is still there, and it must hear UNAVAILABLE, not YARP's reset (CANCEL).
        if (context.RequestAborted.IsCancellationRequested)
        {
            held?.Release();
            return;
        }

        var message = Describe(failure.Error);
        RouterLog.EdgeFailed(logger, failure.Error.ToString(), context.Response.HasStarted);
        if (!context.Response.HasStarted)
        {
            // Trailers-only gRPC response (HTTP 200, status in the headers) in place of YARP's bare 502/503/504.
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "14";
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return;
        }

        if (!context.Response.SupportsTrailers())
        {
            held?.Release();
            return;
        }

        try
        {
            context.Response.AppendTrailer("grpc-status", "14");
            context.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
            await context.Response.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away meanwhile (a failed write to it): nobody to tell, so the stream is reset as YARP asked.
            held?.Release();
        }
    }

    private static string Describe(ForwarderError error) => error switch
    {
        ForwarderError.NoAvailableDestinations => "no healthy edge is available behind this router; run locally or retry later.",
        ForwarderError.RequestTimedOut => "the edge did not answer in time (router activity timeout); requests without a reply were not answered.",
        ForwarderError.ResponseBodyDestination or ForwarderError.RequestBodyDestination
            or ForwarderError.ResponseBodyCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient =>
            "the edge serving this call stopped answering (connection lost); requests without a reply were not answered: send them again.",
        _ => $"the router could not reach an edge ({error}); requests without a reply were not answered: send them again.",
    };

    /// <summary>YARP's reset, held until the middleware knows whether a status can be sent instead.</summary>
    private sealed class HeldReset(IHttpResetFeature inner) : IHttpResetFeature
    {
        private int? _errorCode;

        public void Reset(int errorCode) => _errorCode = errorCode;

        public void Release()
        {
            if (_errorCode is { } code)
            {
                inner.Reset(code);
            }
        }
    }
}
