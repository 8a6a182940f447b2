using System.Buffers.Binary;
using EdgeSplit.Gateway.Tests.Observability;

namespace EdgeSplit.Gateway.Tests.Hostile;

/// <summary>
/// gRPC bodies no gRPC client would send, as raw HTTP/2 requests: each gets a grpc-status naming the problem, never
/// UNKNOWN, a bare reset or a stack trace in the log (at the levels a production node logs), and is counted.
/// </summary>
public sealed class MalformedFrameTests
{
    private const int Limit = 64 * 1024;

    public static TheoryData<string, string, int, string> Cases() => new()
    {
        { "Infer", "flag", 3, "compressed flag is 2" },
        { "Infer", "gzip", 3, "not valid gzip" },
        { "Infer", "compressed-no-encoding", 3, "no grpc-encoding" },
        { "GetManifest", "garbage", 3, "not a valid edgesplit.v1.ManifestRequest" },
        { "Infer", "truncated", 3, "declares" },
        { "Infer", "bomb", 8, "EdgeSplit:Edge:MaxMessageBytes" },
        { "InferStream", "flag", 3, "compressed flag other than 0 or 1" },
        { "InferStream", "gzip", 3, "could not be decompressed" },
        { "InferStream", "truncated", 3, "ended in the middle of a message" },
        { "InferStream", "too-large", 8, "EdgeSplit:Edge:MaxMessageBytes" },
        { "InferStream", "bomb", 8, "EdgeSplit:Edge:MaxMessageBytes" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RawFrame_Malformed_StatusNamesTheProblemNoStackTraceCounted(string method, string kind, int expectedStatus, string expectedMessage)
    {
        var logs = new CapturingLoggerProvider();
        await using var node = await EdgeNode.StartAsync(logs, o => o.MaxMessageBytes = Limit, "--Logging:LogLevel:Default=Information", "--Logging:LogLevel:Microsoft.AspNetCore=Warning");
        using var http = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var http2 = HostileClients.Http2(node);
        var valid = Requests.For(["a valid request first"], 3, Encoding.F16, "first").ToByteArray();
        var streaming = method == "InferStream";

        // On a stream a valid request goes first: it must still be answered before the stream ends.
        var body = (streaming ? Frame(valid) : []).Concat(kind switch
        {
            "flag" => Frame(valid, flag: 2),
            "gzip" or "compressed-no-encoding" => Frame(valid, flag: 1),
            "garbage" => Frame([0xFF, 0xFF, 0xFF, 0x0F, 0x0A]),
            "truncated" => Frame(valid)[..40],
            "bomb" => Frame(Gzip(new byte[Limit * 16]), flag: 1),
            _ => Frame(new byte[Limit + 1000]),
        }).ToArray();
        using var message = new HttpRequestMessage(HttpMethod.Post, $"/edgesplit.v1.SplitInference/{method}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        message.Headers.TE.ParseAdd("trailers");
        if (kind is "gzip" or "bomb")
        {
            message.Headers.Add("grpc-encoding", "gzip");
        }

        using var response = await http.SendAsync(message);
        var payload = await response.Content.ReadAsByteArrayAsync();
        var status = Header(response, "grpc-status");
        var detail = Uri.UnescapeDataString(Header(response, "grpc-message") ?? "");
        var metrics = await MetricsTests.ScrapeUntilAsync(http2, "edgesplit_edge_malformed_total");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expectedStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), status);
        Assert.Contains(expectedMessage, detail);
        if (streaming)
        {
            var reply = StreamReply.Parser.ParseFrom(payload.AsSpan(5, (int)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(1))));
            Assert.Equal("first", reply.RequestId);
            Assert.Equal(StreamReply.ResultOneofCase.Reply, reply.ResultCase);
        }

        var traced = logs.Lines.Where(l => l.Contains("   at ", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(traced.Count == 0, string.Join("\n---\n", traced));
        Assert.Contains("edgesplit_edge_malformed_total{", metrics);
    }

    [Fact]
    public async Task RawFrame_ManyMalformed_LoggedOncePerIntervalAllCounted()
    {
        var logs = new CapturingLoggerProvider();
        await using var node = await EdgeNode.StartAsync(logs, null, "--Logging:LogLevel:Default=Information", "--Logging:LogLevel:Microsoft.AspNetCore=Warning");
        using var http = new HttpClient { BaseAddress = node.Address };
        using var http2 = HostileClients.Http2(node);
        for (var i = 0; i < 20; i++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/edgesplit.v1.SplitInference/Infer")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(Frame([1, 2, 3], flag: 7)),
            };
            message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            using var response = await http.SendAsync(message);
            Assert.Equal("3", Header(response, "grpc-status"));
        }

        var metrics = await MetricsTests.ScrapeUntilAsync(http2, "edgesplit_edge_malformed_total");

        Assert.Single(logs.Lines, l => l.Contains("unreadable gRPC message", StringComparison.Ordinal));
        Assert.Contains("edgesplit_edge_malformed_total{otel_scope_name=\"EdgeSplit.Edge\",kind=\"flag\"} 20", metrics);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
        : response.Headers.TryGetValues(name, out var h) ? h.First() : null;

    /// <summary>A small gzip that expands far beyond the node's limit.</summary>
    private static byte[] Gzip(byte[] plain)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal))
        {
            gzip.Write(plain);
        }

        return output.ToArray();
    }

    private static byte[] Frame(byte[] payload, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }
}
