using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Scenarios.Processes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeSplit.Bench.Soak;

/// <summary>One attacker against one edge process: alone, attacked, after; memory sampled every 100 ms throughout.</summary>
internal static class SoakRun
{
    private const string Service = "/edgesplit.v1.SplitInference/";

    public static async Task<SoakResult> RunAsync(GatewayProcess edge, Attacker kind, SoakRequests requests, TimeSpan phase, TextWriter output)
    {
        var pid = edge.ProcessId ?? throw new InvalidOperationException("the edge is not running.");
        using var channel = GrpcChannel.ForAddress(edge.Address);
        var client = new SplitInference.SplitInferenceClient(channel);

        // Warm up (model sessions, thread pools, first connections) before the starting reading.
        for (var i = 0; i < 20; i++)
        {
            await client.InferAsync(requests.Normal, deadline: DateTime.UtcNow.AddSeconds(30));
        }

        var rssStart = Rss(pid);
        var peak = rssStart;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(pid));
                await Task.Delay(100, CancellationToken.None);
            }
        });

        var failed = new ConcurrentQueue<string>();
        var alone = await NormalAsync(client, requests.Normal, phase, failed);
        output.WriteLine($"  {kind}: alone done ({alone.Count} answers); attacking for {phase.TotalSeconds:F0} s");
        var statuses = new ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource(phase);
        var attack = Attack(kind, edge, requests, statuses, stop.Token);
        var attacked = await NormalAsync(client, requests.Normal, phase, failed);
        await attack.WaitAsync(TimeSpan.FromSeconds(60));

        // The attacker is gone (its connections closed); give the node the recovery phase, then read it.
        var recovery = TimeSpan.FromSeconds(Math.Min(phase.TotalSeconds, 15));
        await NormalAsync(client, requests.Normal, recovery, failed);
        var rssAfter = Rss(pid);
        await sampling.CancelAsync();
        await sampler;
        foreach (var problem in failed.Take(5))
        {
            output.WriteLine($"  normal client failure: {problem}");
        }

        return new SoakResult(
            kind.ToString(), phase.TotalSeconds, rssStart, peak, rssAfter, alone.Count, attacked.Count, failed.Count,
            P99(alone), P99(attacked), Max(alone), Max(attacked), statuses.Values.Sum(), new Dictionary<string, long>(statuses));
    }

    /// <summary>Resident memory of a process in MB, from /proc/PID/status (VmRSS).</summary>
    public static double Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return 0;
    }

    /// <summary>A normal device: one request every 50 ms (20/s; 30 s deadline), latencies of the answered ones.</summary>
    private static async Task<List<double>> NormalAsync(SplitInference.SplitInferenceClient client, InferRequest request, TimeSpan duration, ConcurrentQueue<string> failed)
    {
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < duration && i < 100_000; i++)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                var reply = await client.InferAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
                if (reply.Embeddings.Count != 1 || reply.Embeddings[0].Values.Any(v => !float.IsFinite(v)))
                {
                    failed.Enqueue("a malformed answer");
                }
                else
                {
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            catch (RpcException ex)
            {
                failed.Enqueue($"{ex.StatusCode} {ex.Status.Detail}");
            }

            var wait = 50 - Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }
        }

        return latencies;
    }

    private static Task Attack(Attacker kind, GatewayProcess edge, SoakRequests requests, ConcurrentDictionary<string, long> statuses, CancellationToken stop) => kind switch
    {
        Attacker.SlowReader => Parallel(4, _ => SlowReaderAsync(edge.Address, requests.LargeReply, statuses, stop)),
        Attacker.Extreme => Parallel(4, i => ExtremeAsync(edge.Address, i % 2 == 0 ? requests.Extreme : requests.HugeScales, statuses, stop)),
        Attacker.Malformed => Parallel(4, i => MalformedAsync(edge.Address, requests.Normal, i, statuses, stop)),
        _ => FloodAsync(edge.EndPoint, statuses, stop),
    };

    private static Task Parallel(int count, Func<int, Task> attacker) => Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => attacker(i))));

    private static void Count(ConcurrentDictionary<string, long> statuses, string status) => statuses.AddOrUpdate(status, 1, (_, n) => n + 1);

    /// <summary>A stream that keeps sending requests for the largest replies and reads none; closed when the phase ends.</summary>
    private static async Task SlowReaderAsync(Uri address, InferRequest request, ConcurrentDictionary<string, long> statuses, CancellationToken stop)
    {
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxSendMessageSize = 64 * 1024 * 1024 });
        var client = new SplitInference.SplitInferenceClient(channel);
        using var call = client.InferStream(cancellationToken: stop);
        try
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 100_000; i++)
            {
                var message = request.Clone();
                message.RequestId = i.ToString(CultureInfo.InvariantCulture);
                await call.RequestStream.WriteAsync(message, stop);
                Count(statuses, "sent");
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The phase ended (the attacker leaves by cancelling) or the node refused the stream.
        }
    }

    private static async Task ExtremeAsync(Uri address, InferRequest request, ConcurrentDictionary<string, long> statuses, CancellationToken stop)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new SplitInference.SplitInferenceClient(channel);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await client.InferAsync(request, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: stop);
                Count(statuses, "OK");
            }
            catch (RpcException ex) when (!stop.IsCancellationRequested)
            {
                Count(statuses, ex.StatusCode.ToString());
            }
            catch (RpcException)
            {
                return;
            }
        }
    }

    private static async Task MalformedAsync(Uri address, InferRequest valid, int seed, ConcurrentDictionary<string, long> statuses, CancellationToken stop)
    {
        using var http = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var random = new Random(seed);
        var message = valid.ToByteArray();
        while (!stop.IsCancellationRequested)
        {
            var stream = random.Next(2) == 0;
            var kind = random.Next(4);
            byte[] body = kind switch
            {
                0 => Frame(message, 2),
                1 => Frame(message, 1),
                2 => Frame(message, 0)[..(5 + (message.Length / 2))],
                _ => Frame(new byte[17 * 1024 * 1024], 0),
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, Service + (stream ? "InferStream" : "Infer"))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(stream ? [.. Frame(message, 0), .. body] : body),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            request.Headers.TE.ParseAdd("trailers");
            if (kind == 1)
            {
                request.Headers.Add("grpc-encoding", "gzip");
            }

            try
            {
                using var response = await http.SendAsync(request, stop);
                await response.Content.ReadAsByteArrayAsync(stop);
                var status = response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t.First()
                    : response.Headers.TryGetValues("grpc-status", out var h) ? h.First() : $"HTTP {(int)response.StatusCode} without grpc-status";
                Count(statuses, $"grpc-status {status}");
            }
            catch (HttpRequestException ex)
            {
                Count(statuses, $"reset ({ex.HttpRequestError})");
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Opens up to 2,000 connections that send the HTTP/2 preface and then nothing, replacing those the node closes.</summary>
    private static async Task FloodAsync(IPEndPoint endpoint, ConcurrentDictionary<string, long> statuses, CancellationToken stop)
    {
        var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray().Concat(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }).ToArray();
        var open = new List<Socket>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                open.RemoveAll(s =>
                {
                    if (s.Poll(0, SelectMode.SelectRead) && s.Available == 0)
                    {
                        s.Dispose();
                        Count(statuses, "closed by the node");
                        return true;
                    }

                    return false;
                });
                for (var i = 0; open.Count < 2000 && i < 200 && !stop.IsCancellationRequested; i++)
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    try
                    {
                        await socket.ConnectAsync(endpoint, stop);
                        await socket.SendAsync(preface, SocketFlags.None, stop);
                        open.Add(socket);
                        Count(statuses, "opened");
                    }
                    catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                    {
                        socket.Dispose();
                        Count(statuses, "refused");
                    }
                }

                await Task.Delay(100, CancellationToken.None);
            }
        }
        finally
        {
            foreach (var socket in open)
            {
                socket.Dispose();
            }
        }
    }

    private static byte[] Frame(byte[] payload, byte flag)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    private static double Max(List<double> latencies) => latencies.Count == 0 ? double.NaN : latencies.Max();

    private static double P99(List<double> latencies)
    {
        if (latencies.Count == 0)
        {
            return double.NaN;
        }

        latencies.Sort();
        return latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(latencies.Count * 0.99) - 1)];
    }
}
