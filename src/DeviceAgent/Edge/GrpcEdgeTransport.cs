using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using EdgeSplit.Contracts.Transport;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeSplit.DeviceAgent.Edge;

/// <summary>
/// <see cref="IEdgeTransport"/> over gRPC (unary Infer on one HTTP/2 channel). Every failure surfaces as
/// <see cref="EdgeException"/> with the gRPC status and the node's <c>retry-after-ms</c> hint. The channel pings
/// the node while calls are in flight (<see cref="KeepAlivePingDelay"/>, <see cref="KeepAlivePingTimeout"/>), so
/// a host that goes silent without closing the connection fails its calls in bounded time.
/// </summary>
public sealed class GrpcEdgeTransport : IEdgeTransport
{
    /// <summary>
    /// HTTP/2 PING after this long without a frame from the node, only while calls are in flight (an idle phone
    /// keeps its radio asleep). 1 s.
    /// </summary>
    public static readonly TimeSpan KeepAlivePingDelay = TimeSpan.FromSeconds(1);

    /// <summary>A PING unanswered for this long closes the connection and fails its calls (UNAVAILABLE). 1 s.</summary>
    public static readonly TimeSpan KeepAlivePingTimeout = TimeSpan.FromSeconds(1);

    private readonly GrpcChannel _channel;
    private readonly SplitInference.SplitInferenceClient _client;
    private readonly string? _deviceId;
    private readonly string? _authorization;
    private EdgeManifest? _manifest;
    private volatile string? _affinity;

    /// <summary>
    /// Connects lazily to <paramref name="address"/> (http:// uses h2c, https:// TLS). The bearer token defaults to
    /// the environment (<see cref="DeviceCredentials.TokenVariable"/>) and the trusted CA to
    /// <see cref="DeviceCredentials.TrustedCaVariable"/> (else the system store).
    /// </summary>
    public GrpcEdgeTransport(Uri address, int maxMessageBytes = 64 * 1024 * 1024, string? deviceId = null, string? bearerToken = null, string? trustedCaFile = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        _deviceId = deviceId;
        var token = bearerToken ?? DeviceCredentials.TokenFromEnvironment();
        _authorization = token is null ? null : "Bearer " + token;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = KeepAlivePingDelay,
            KeepAlivePingTimeout = KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };
        if ((trustedCaFile ?? DeviceCredentials.TrustedCaFromEnvironment()) is { } ca && address.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = new PrivateCaTrust(PrivateCaTrust.LoadPem(ca)).Validate };
        }

        var options = new GrpcChannelOptions { MaxReceiveMessageSize = maxMessageBytes, MaxSendMessageSize = maxMessageBytes, HttpHandler = handler, DisposeHttpClient = true };

        _channel = GrpcChannel.ForAddress(address, options);
        _client = new SplitInference.SplitInferenceClient(_channel);
    }

    /// <inheritdoc />
    public async Task<EdgeManifest> GetManifestAsync(CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _client.GetManifestAsync(new ManifestRequest(), Headers(), cancellationToken: cancellationToken).ConfigureAwait(false);
            var manifest = new EdgeManifest(
                reply.ModelId,
                reply.ModelHash,
                reply.Scheme,
                reply.HiddenSize,
                reply.Stages.Count,
                reply.AcceptsTokenIds,
                reply.Limits?.MaxSequence ?? 0,
                [.. reply.Encodings.Where(ActivationCodec.IsKnown).Select(ToWire)],
                ToLoad(reply.Load));
            _manifest = manifest;
            return manifest;
        }
        catch (RpcException ex)
        {
            throw Map(ex);
        }
    }

    /// <inheritdoc />
    public bool ReportsAcceptance => true;

    /// <inheritdoc />
    public Task<EdgeAnswer> InferAsync(EdgeRequest request, CancellationToken cancellationToken) => InferAsync(request, static _ => { }, cancellationToken);

    /// <inheritdoc />
    public async Task<EdgeAnswer> InferAsync(EdgeRequest request, Action<EdgeAcceptance> accepted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(accepted);
        var manifest = _manifest ?? await GetManifestAsync(cancellationToken).ConfigureAwait(false);
        var message = ToWire(request, manifest);

        // Streams multiplex many requests per HTTP request, so the span context also rides in the message.
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            message.Traceparent = current.Id;
        }

        var bytes = message.CalculateSize();
        DateTime? deadline = request.Deadline is { } d ? DateTime.UtcNow + d : null;
        try
        {
            using var call = _client.InferAsync(message, Headers(), deadline, cancellationToken);
            var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
            if (headers.GetValue(ProtocolHeaders.Affinity) is { Length: > 0 } key)
            {
                _affinity = key;
            }

            accepted(new EdgeAcceptance(int.TryParse(headers.GetValue(ProtocolHeaders.EtaMs), NumberStyles.None, CultureInfo.InvariantCulture, out var eta) ? eta : null));

            var reply = await call.ResponseAsync.ConfigureAwait(false);
            return new EdgeAnswer(
                reply.RequestId,
                [.. reply.Embeddings.Select(e => e.Values.ToArray())],
                reply.Timings?.QueueMs ?? 0,
                reply.Timings?.ComputeMs ?? 0,
                bytes,
                ToLoad(reply.Load),
                reply.ModelHash);
        }
        catch (RpcException ex)
        {
            throw Map(ex);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

    private Metadata? Headers()
    {
        if (_affinity is null && _deviceId is null && _authorization is null)
        {
            return null;
        }

        var headers = new Metadata();
        if (_authorization is not null)
        {
            headers.Add("authorization", _authorization);
        }

        if (_deviceId is not null)
        {
            headers.Add(ProtocolHeaders.DeviceId, _deviceId);
        }

        if (_affinity is { } key)
        {
            headers.Add(ProtocolHeaders.Affinity, key);
        }

        return headers;
    }

    /// <summary>Builds the wire request: token ids for cut 0, else the encoded activation.</summary>
    public static InferRequest ToWire(EdgeRequest request, EdgeManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(manifest);
        var message = new InferRequest
        {
            RequestId = request.RequestId,
            ModelHash = manifest.ModelHash,
            Scheme = manifest.Scheme,
            Cut = request.Cut,
            ReturnHidden = request.ReturnHidden,
            DeadlineMs = request.Deadline is { } d ? (int)Math.Clamp(Math.Ceiling(d.TotalMilliseconds), 1, int.MaxValue) : 0,
        };
        if (request.Cut == 0)
        {
            var tokens = request.Tokens ?? throw new ArgumentException("cut 0 sends token ids: Tokens is required.", nameof(request));
            message.TokenShape.Add(tokens.Batch);
            message.TokenShape.Add(tokens.Sequence);
            message.InputIds.AddRange(tokens.InputIds);
            message.TokenTypeIds.AddRange(tokens.TokenTypeIds);
            message.AttentionMask.AddRange(tokens.AttentionMask);
        }
        else
        {
            var activation = request.Activation ?? throw new ArgumentException($"cut {request.Cut} sends an activation: Activation is required.", nameof(request));
            message.Activation = ActivationCodec.Encode(activation.Data, activation.Batch, activation.Sequence, activation.Hidden, ToProto(request.Encoding));
            message.AttentionMask.AddRange(activation.AttentionMask);
        }

        return message;
    }

    /// <summary>Turns a gRPC failure into an <see cref="EdgeException"/>, keeping the node's retry-after hint.</summary>
    public static EdgeException Map(RpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        TimeSpan? retryAfter = null;
        var hint = ex.Trailers.GetValue(ProtocolHeaders.RetryAfterMs);
        if (hint is not null && int.TryParse(hint, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            retryAfter = TimeSpan.FromMilliseconds(ms);
        }

        var detail = string.IsNullOrEmpty(ex.Status.Detail) ? ex.Status.StatusCode.ToString() : ex.Status.Detail;
        return new EdgeException(ex.StatusCode, $"edge {ex.StatusCode}: {detail}", retryAfter, ex);
    }

    private static Encoding ToProto(WireEncoding encoding) => (Encoding)encoding;

    private static WireEncoding ToWire(Encoding encoding) => ActivationCodec.IsKnown(encoding) ? (WireEncoding)encoding : WireEncoding.F32;

    private static EdgeLoad ToLoad(LoadReport? load) => load is null
        ? new EdgeLoad(0, 0, [], 0)
        : new EdgeLoad(load.QueueDepth, load.InFlight, [.. load.StageMsPerToken], load.RecentQueueMs);
}
