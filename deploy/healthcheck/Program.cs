using System.Net;

// Usage: EdgeSplit.HealthCheck [URL] [--http1]
// GETs URL (default http://127.0.0.1:8080/readyz) over HTTP/2 with prior knowledge (h2c, what the
// gateway's Kestrel endpoint speaks), or HTTP/1.1 with --http1. Exit 0 on a 2xx answer, 1 otherwise;
// one line on stdout either way, which `docker inspect` shows under State.Health.
var url = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "http://127.0.0.1:8080/readyz";
var version = args.Contains("--http1") ? HttpVersion.Version11 : HttpVersion.Version20;

using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2), UseProxy = false };
using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(4) };
using var request = new HttpRequestMessage(HttpMethod.Get, url)
{
    Version = version,
    // Exact: over http:// this makes SocketsHttpHandler open HTTP/2 with prior knowledge.
    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
};

try
{
    using var response = await client.SendAsync(request);
    var body = await response.Content.ReadAsStringAsync();
    Console.WriteLine($"{(int)response.StatusCode} {url} {body.Trim()}");
    return response.IsSuccessStatusCode ? 0 : 1;
}
catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
{
    Console.WriteLine($"unhealthy {url}: {ex.GetBaseException().Message}");
    return 1;
}
