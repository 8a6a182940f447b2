using System.Net.Security;
using EdgeSplit.Contracts.Transport;
using EdgeSplit.Contracts.V1;
using EdgeSplit.DeviceAgent.Edge;
using EdgeSplit.Inference.Decoder;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>Opens Generate streams to one edge URL over one HTTP/2 channel that pings the node while streams are open.</summary>
public sealed class GenerationLinkFactory : IGenerationLinkFactory, IAsyncDisposable
{
    /// <summary>Default wait for one token before the edge counts as silent: 2 s.</summary>
    public static readonly TimeSpan DefaultStepTimeout = TimeSpan.FromSeconds(2);

    private readonly GrpcChannel _channel;
    private readonly SplitGeneration.SplitGenerationClient _client;
    private readonly Metadata _headers = [];
    private readonly int _hidden;
    private readonly TimeSpan _stepTimeout;

    /// <summary>A channel to <paramref name="address"/> for a decoder of <paramref name="hidden"/> width; a token later than <paramref name="stepTimeout"/> (default 2 s) fails the edge.</summary>
    public GenerationLinkFactory(Uri address, int hidden, TimeSpan? stepTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        _hidden = hidden;
        _stepTimeout = stepTimeout ?? DefaultStepTimeout;
        var handler = new SocketsHttpHandler
        {
            KeepAlivePingDelay = GrpcEdgeTransport.KeepAlivePingDelay,
            KeepAlivePingTimeout = GrpcEdgeTransport.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };
        if (DeviceCredentials.TrustedCaFromEnvironment() is { } ca && address.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = new PrivateCaTrust(PrivateCaTrust.LoadPem(ca)).Validate };
        }

        if (DeviceCredentials.TokenFromEnvironment() is { } token)
        {
            _headers.Add("authorization", "Bearer " + token);
        }

        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
        _client = new SplitGeneration.SplitGenerationClient(_channel);
    }

    /// <summary>Parses an --edge value.</summary>
    public static GenerationLinkFactory Create(string url, int hidden) =>
        Uri.TryCreate(url, UriKind.Absolute, out var address) && address.Scheme is "http" or "https"
            ? new GenerationLinkFactory(address, hidden)
            : throw new ArgumentException($"--edge must be an http:// or https:// URL, not '{url}'.");

    /// <inheritdoc />
    public async Task<IGenerationLink> OpenAsync(string modelHash, int cut, SamplingOptions sampling, CancellationToken cancellationToken)
    {
        var call = _client.Generate(_headers, cancellationToken: cancellationToken);
        var open = new GenerateOpen
        {
            ModelHash = modelHash,
            Cut = cut,
            Sampling = new Sampling { Temperature = sampling.Temperature, TopP = sampling.TopP, Seed = sampling.Seed },
        };
        try
        {
            await call.RequestStream.WriteAsync(new GenerateRequest { Open = open }, cancellationToken);
        }
        catch
        {
            call.Dispose();
            throw;
        }

        return new GrpcGenerationLink(call, _hidden, _stepTimeout);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Task.CompletedTask;
    }
}
