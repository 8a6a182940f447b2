using EdgeSplit.Gateway.Observability;

namespace EdgeSplit.Gateway.Tests.Hostile;

/// <summary>Requests and probes shared by the hostile-client tests.</summary>
internal static class HostileClients
{
    /// <summary>A text of about 128 tokens: with return_hidden, 4 rows ask for a ~790 KB reply.</summary>
    public static readonly string LongText = string.Join(' ', Enumerable.Repeat("split inference streams activations to the edge", 18));

    /// <summary>A request whose reply is large: 4 rows of ~128 tokens with the last hidden state (F16 in, F32 out).</summary>
    public static InferRequest LargeReply(string id)
    {
        var request = Requests.For([LongText, LongText, LongText, LongText], 3, Encoding.F16, id);
        request.ReturnHidden = true;
        return request;
    }

    /// <summary>Bytes the node's streams hold right now (the edgesplit_edge_stream_held_bytes gauge).</summary>
    public static long StreamHeld(EdgeNode node) => node.App.Services.GetRequiredService<EdgeMetrics>().StreamHeldBytes;

    /// <summary>An HTTP/2 (prior knowledge) client for the node's own endpoints (/metrics).</summary>
    public static HttpClient Http2(EdgeNode node) => new()
    {
        BaseAddress = node.Address,
        DefaultRequestVersion = System.Net.HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }
}
