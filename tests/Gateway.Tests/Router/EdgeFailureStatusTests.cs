using EdgeSplit.Gateway.Router;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeSplit.Gateway.Tests.Router;

/// <summary>
/// The rule of <see cref="EdgeFailureStatus"/>, pinned without a race: whether the client is gone is what RequestAborted
/// says, whatever YARP names the failure. A cancelled upload to a dying edge reaches YARP as a failed read from the client
/// (<see cref="ForwarderError.RequestBodyClient"/>) whenever that copy ends first; the client is still there and must hear
/// UNAVAILABLE, not YARP's reset.
/// </summary>
public sealed class EdgeFailureStatusTests
{
    [Theory]
    [InlineData(ForwarderError.RequestBodyClient)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    [InlineData(ForwarderError.RequestBodyDestination)]
    [InlineData(ForwarderError.ResponseBodyDestination)]
    public async Task Invoke_EdgeFailedAndTheClientIsThere_UnavailableInPlaceOfYarpsAnswerAndNoReset(ForwarderError error)
    {
        var (context, reset) = GrpcCall();

        await Forward(error).InvokeAsync(context);

        Assert.Null(reset.Code);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("14", context.Response.Headers["grpc-status"]);
        Assert.Contains("stopped answering", Uri.UnescapeDataString(context.Response.Headers["grpc-message"].ToString()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ForwarderError.RequestBodyClient)]
    [InlineData(ForwarderError.ResponseBodyDestination)]
    public async Task Invoke_ClientGone_YarpsResetGoesOutAndNoStatusIsWritten(ForwarderError error)
    {
        var (context, reset) = GrpcCall();
        using var gone = new CancellationTokenSource();
        context.RequestAborted = gone.Token;
        await gone.CancelAsync();

        await Forward(error).InvokeAsync(context);

        Assert.Equal(YarpReset, reset.Code);
        Assert.Equal(StatusCodes.Status502BadGateway, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
    }

    // The code YARP's ResetOrAbort passes for a failed (not cancelled) copy: 8, which HTTP/2 names CANCEL.
    private const int YarpReset = 8;

    /// <summary>A forward that fails as YARP's does: the error feature, its own status code, and a reset of the stream.</summary>
    private static EdgeFailureStatus Forward(ForwarderError error) => new(
        context =>
        {
            context.Features.Set<IForwarderErrorFeature>(new Failure(error));
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            context.Features.Get<IHttpResetFeature>()!.Reset(YarpReset);
            return Task.CompletedTask;
        },
        NullLogger<EdgeFailureStatus>.Instance);

    private static (DefaultHttpContext Context, RecordingReset Reset) GrpcCall()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc";
        var reset = new RecordingReset();
        context.Features.Set<IHttpResetFeature>(reset);
        return (context, reset);
    }

    private sealed record Failure(ForwarderError Error) : IForwarderErrorFeature
    {
        public Exception? Exception => null;
    }

    private sealed class RecordingReset : IHttpResetFeature
    {
        public int? Code { get; private set; }

        public void Reset(int errorCode) => Code = errorCode;
    }
}
