using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EdgeSplit.Functional.Tests.Observability;

/// <summary>One exported item: a span or a metric, with the service that sent it.</summary>
internal sealed record OtlpItem(string Signal, string Protocol, string Service, string Name, string TraceId);

/// <summary>
/// A minimal OTLP collector on loopback: the gRPC protocol (h2c, the exporters' default) on <see cref="GrpcEndpoint"/>
/// and http/protobuf on <see cref="HttpEndpoint"/>. It decodes each export request's protobuf (resource spans /
/// resource metrics: service.name, span or metric name, trace id) and answers as a collector does.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpItem> _items = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri GrpcEndpoint { get; private set; } = null!;

    public Uri HttpEndpoint { get; private set; } = null!;

    public IReadOnlyCollection<OtlpItem> Items => _items;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", context => receiver.GrpcAsync(context, "span"));
        app.MapPost("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", context => receiver.GrpcAsync(context, "metric"));
        app.MapPost("/opentelemetry.proto.collector.logs.v1.LogsService/Export", context => receiver.GrpcAsync(context, "log"));
        app.MapPost("/v1/traces", context => receiver.HttpAsync(context, "span"));
        app.MapPost("/v1/metrics", context => receiver.HttpAsync(context, "metric"));
        app.MapPost("/v1/logs", context => receiver.HttpAsync(context, "log"));
        await app.StartAsync();
        var urls = app.Urls.Select(u => new Uri(u)).ToList();
        receiver.GrpcEndpoint = urls[0];
        receiver.HttpEndpoint = urls[1];
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds over the items received, or the timeout passes.</summary>
    public async Task<bool> WaitAsync(Func<IReadOnlyCollection<OtlpItem>, bool> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition(_items))
        {
            try
            {
                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException)
            {
                return condition(_items);
            }
        }

        return true;
    }

    public string Describe() =>
        string.Join('\n', _items.GroupBy(i => (i.Signal, i.Protocol, i.Service, i.Name)).Select(g => $"{g.Key.Protocol} {g.Key.Signal} {g.Key.Service} {g.Key.Name} x{g.Count()}"));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task GrpcAsync(HttpContext context, string signal)
    {
        var body = await ReadAsync(context.Request);
        // gRPC framing: 1 byte compressed flag (the exporters do not compress by default) + 4 bytes length.
        if (body.Length >= 5 && body[0] == 0)
        {
            Decode(body.AsMemory(5), signal, "grpc");
        }

        context.Response.ContentType = "application/grpc";
        context.Response.AppendTrailer("grpc-status", "0");
        await context.Response.Body.WriteAsync(new byte[5]); // an empty Export*ServiceResponse
    }

    private async Task HttpAsync(HttpContext context, string signal)
    {
        Decode(await ReadAsync(context.Request), signal, "http/protobuf");
        context.Response.ContentType = "application/x-protobuf";
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    // ExportTraceServiceRequest / ExportMetricsServiceRequest / ExportLogsServiceRequest share one shape:
    //   1: Resource{Spans,Metrics,Logs} { 1: Resource { 1: KeyValue { 1: key, 2: AnyValue { 1: string } } },
    //                                    2: Scope{Spans,Metrics,Logs} { 2: Span | Metric | LogRecord } }
    //   Span: 1 trace_id, 5 name. Metric: 1 name. LogRecord: 9 trace_id (its name is left empty).
    private void Decode(ReadOnlyMemory<byte> request, string signal, string protocol)
    {
        foreach (var resourceItems in Protobuf.Fields(request).Where(f => f.Number == 1))
        {
            var service = "";
            foreach (var resource in Protobuf.Fields(resourceItems.Bytes).Where(f => f.Number == 1))
            {
                foreach (var attribute in Protobuf.Fields(resource.Bytes).Where(f => f.Number == 1))
                {
                    var fields = Protobuf.Fields(attribute.Bytes).ToList();
                    if (fields.FirstOrDefault(f => f.Number == 1).String == "service.name")
                    {
                        var value = fields.FirstOrDefault(f => f.Number == 2);
                        service = Protobuf.Fields(value.Bytes).FirstOrDefault(f => f.Number == 1).String;
                    }
                }
            }

            foreach (var scope in Protobuf.Fields(resourceItems.Bytes).Where(f => f.Number == 2))
            {
                foreach (var item in Protobuf.Fields(scope.Bytes).Where(f => f.Number == 2))
                {
                    var fields = Protobuf.Fields(item.Bytes).ToList();
                    var name = fields.FirstOrDefault(f => f.Number == (signal == "span" ? 5 : 1)).String;
                    var traceId = signal switch
                    {
                        "span" => Convert.ToHexStringLower(fields.FirstOrDefault(f => f.Number == 1).Bytes.Span),
                        "log" => Convert.ToHexStringLower(fields.FirstOrDefault(f => f.Number == 9).Bytes.Span),
                        _ => "",
                    };
                    _items.Enqueue(new OtlpItem(signal, protocol, service, signal == "log" ? "" : name, traceId));
                }
            }
        }
    }

    /// <summary>Just enough of the protobuf wire format to walk nested messages.</summary>
    private static class Protobuf
    {
        public readonly record struct Field(int Number, ReadOnlyMemory<byte> Bytes)
        {
            public string String => Encoding.UTF8.GetString(Bytes.Span);
        }

        public static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
        {
            var position = 0;
            while (position < message.Length)
            {
                var tag = Varint(message.Span, ref position);
                var number = (int)(tag >> 3);
                switch ((int)(tag & 7))
                {
                    case 0:
                        Varint(message.Span, ref position);
                        yield return new Field(number, ReadOnlyMemory<byte>.Empty);
                        break;
                    case 1:
                        yield return new Field(number, message.Slice(position, 8));
                        position += 8;
                        break;
                    case 2:
                        var length = (int)Varint(message.Span, ref position);
                        yield return new Field(number, message.Slice(position, length));
                        position += length;
                        break;
                    case 5:
                        yield return new Field(number, message.Slice(position, 4));
                        position += 4;
                        break;
                    default:
                        throw new InvalidDataException($"wire type {tag & 7} at byte {position}: not an OTLP message");
                }
            }
        }

        private static ulong Varint(ReadOnlySpan<byte> bytes, ref int position)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = bytes[position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
        }
    }
}
