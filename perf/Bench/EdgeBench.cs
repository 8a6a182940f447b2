using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.Gateway;
using EdgeSplit.Gateway.Edge;
using EdgeSplit.Inference.Models;
using EdgeSplit.Inference.Runtime;
using EdgeSplit.Inference.Text;
using EdgeSplit.Scenarios;
using EdgeSplit.Scenarios.Processes;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSplit.Bench;

/// <summary>
/// <c>edge</c> benchmark of issue 3: N concurrent device streams sending 16-token activations cut after
/// stage 2 to a real node on loopback, batching on vs off, against in-process ONNX Runtime at the same
/// batch size; and the node-side overhead of one request at a time. Every loop is bounded in time.
/// </summary>
internal static class EdgeBench
{
    private const int Cut = 2;
    private const int Tokens = 16;

    /// <summary>The root command: the edge bench, with <c>soak</c> and the device benchmarks as subcommands.</summary>
    public static RootCommand CreateRoot(TextWriter output)
    {
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per streaming run (the one-at-a-time phase runs at most 5 s, or --seconds with --overhead-only)", DefaultValueFactory = _ => 8.0 };
        var warmUp = new Option<double>("--warmup") { Description = "Warm-up seconds before each streaming run", DefaultValueFactory = _ => 3.0 };
        var streams = new Option<int>("--streams") { Description = "Concurrent InferStream clients", DefaultValueFactory = _ => 64 };
        var repeats = new Option<int>("--repeats") { Description = "Rounds of (batching on, batching off, in-process ORT); medians are reported", DefaultValueFactory = _ => 3 };
        var clients = new Option<string>("--clients") { Description = "Where the clients run: nice (child process at nice 19; default on Linux), pinned (child on CPU 0, node on the rest) or shared (in this process)", DefaultValueFactory = _ => OperatingSystem.IsLinux() ? "nice" : "shared" };
        clients.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is var placement and not ("pinned" or "nice" or "shared"))
            {
                result.AddError($"--clients must be pinned, nice or shared, not '{placement}'.");
            }
        });
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime intra-op threads in process (default: the node's cores when pinned, else ORT's default)" };
        var nodeThreads = new Option<int?>("--node-threads") { Description = "The node's intra-op threads (default: --threads)" };
        var workers = new Option<int>("--concurrent-batches") { Description = "Batches the node computes at once", DefaultValueFactory = _ => 1 };
        var overheadOnly = new Option<bool>("--overhead-only") { Description = "Only the one-request-at-a-time phase (node overhead = total_ms - compute_ms), for --seconds" };
        var clientsOnly = new Option<bool>("--clients-only") { Hidden = true };
        var address = new Option<string>("--address") { Hidden = true };
        var request = new Option<string>("--request") { Hidden = true };
        var root = new RootCommand("EdgeSplit benchmarks; without a subcommand, the edge node: batching on/off against in-process ORT, then node overhead one request at a time.")
        {
            seconds, warmUp, streams, repeats, clients, threads, nodeThreads, workers, overheadOnly, clientsOnly, address, request,
        };
        root.SetAction(async (result, cancellation) =>
        {
            if (result.GetValue(clientsOnly))
            {
                var requestFile = result.GetValue(request) ?? throw new ArgumentException("--clients-only needs --request.");
                var node = result.GetValue(address) ?? throw new ArgumentException("--clients-only needs --address.");
                return await ClientsOnlyAsync(node, requestFile, result.GetValue(streams), result.GetValue(warmUp), result.GetValue(seconds), output);
            }

            var settings = new Settings(
                result.GetValue(seconds), result.GetValue(warmUp), result.GetValue(streams), Math.Max(1, result.GetValue(repeats)),
                result.GetValue(clients)!, result.GetValue(threads), result.GetValue(nodeThreads), result.GetValue(workers));
            return result.GetValue(overheadOnly) ? await OverheadOnlyAsync(settings, output) : await RunAsync(settings, output);
        });
        return root;
    }

    private static async Task<int> RunAsync(Settings args, TextWriter output)
    {
        var (seconds, warmUp, streams, repeats, placement) = (args.Seconds, args.WarmUp, args.Streams, args.Repeats, args.Placement);

        // Devices are other machines; here they share the node's CPUs. --clients nice (default on Linux): the
        // clients run in a child process at the lowest scheduling priority, so the node and the in-process
        // ceiling get every CPU whenever they want it (the clients still cost CPU: they run in the gaps).
        // --clients pinned: the child is pinned to CPU 0 and the node (this process) and the ceiling to the
        // other CPUs. --clients shared: clients in this process, on equal terms with the node.
        var pinned = placement == "pinned";
        var nodeCores = pinned ? Environment.ProcessorCount - 1 : Environment.ProcessorCount;
        if (pinned)
        {
            CpuAffinity.Pin(Environment.ProcessId, CpuAffinity.AllButFirst);
        }

        // ORT's default thread count follows the machine's cores, not this process's affinity: say it explicitly.
        var threads = args.Threads ?? (pinned ? nodeCores : 0);
        var nodeThreads = args.NodeThreads ?? threads;
        var workers = args.ConcurrentBatches;
        using var model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions
        {
            Runtime = new RuntimeOptions { AllowSpinning = false, IntraOpThreads = threads },
        });

        // The node may run its own sessions (e.g. one thread per batch, several batches at once, like Triton's
        // instance count) while the in-process ceiling keeps ORT's default use of every core.
        using var nodeModel = nodeThreads == threads ? null : SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions
        {
            Runtime = new RuntimeOptions { AllowSpinning = false, IntraOpThreads = nodeThreads },
        });
        var served = nodeModel ?? model;
        var request = BuildRequest(model);
        var activation = new Activation(Cut, 1, Tokens, model.HiddenSize, ActivationCodec.Decode(request.Activation, model.HiddenSize, 1, Tokens), [.. request.AttentionMask]);
        using var clients = placement == "shared" ? null : new ClientProcess(request, pinned ? "0" : null);

        output.WriteLine($"edge bench: {streams} streams, {Tokens}-token activations cut after stage {Cut}, {warmUp:F0} s warm-up + {seconds:F0} s per run, {Environment.ProcessorCount} cores, in-process intra-op threads {threads}, node intra-op threads {nodeThreads} (0 = ORT default), node concurrent batches {workers}");
        output.WriteLine(placement switch
        {
            "pinned" => $"placement: clients in a child process on CPU 0; node and in-process ORT on CPUs {CpuAffinity.AllButFirst} ({nodeCores} core(s))",
            "nice" => "placement: clients in a child process at nice 19; node and in-process ORT on every CPU",
            _ => "placement: clients in the node's process; clients, node and in-process ORT share every CPU",
        });
        // Rounds of (batching on, batching off, in-process ORT at the batch the node formed), medians over the
        // rounds: on a shared machine a neighbour's burst then skews one round, not the comparison.
        var onRuns = new List<double>();
        var offRuns = new List<double>();
        var ortRuns = new List<double>();
        var ratioRuns = new List<double>();
        for (var round = 1; round <= repeats; round++)
        {
            var on = await StreamsAsync(served, request, streams, warmUp, seconds, clients, o =>
            {
                o.MaxBatchRows = 64;
                o.MaxConcurrentBatches = workers;
            });
            var off = await StreamsAsync(served, request, streams, warmUp, seconds, clients, o =>
            {
                o.MaxBatchRows = 1;
                o.MaxConcurrentBatches = workers;
            });
            var batch = Math.Max(1, (int)Math.Round(on.MeanBatch));
            var ort = InProcess(model, activation, batch, seconds);
            onRuns.Add(on.PerSecond);
            offRuns.Add(off.PerSecond);
            ortRuns.Add(ort);
            ratioRuns.Add(on.PerSecond / ort);
            output.WriteLine(Invariant($"round {round}: batching on (window 2 ms, max 64 rows) {on.PerSecond:F1} seq/s, mean batch {on.MeanBatch:F1} rows, median latency {on.MedianLatencyMs:F1} ms; batching off (max 1 row) {off.PerSecond:F1} seq/s, median latency {off.MedianLatencyMs:F1} ms; in-process ORT stages [{Cut},{model.StageCount}) at batch {batch}: {ort:F1} seq/s; on/off {on.PerSecond / off.PerSecond:F2}x, node/ORT {on.PerSecond / ort * 100:F1}%"));
        }

        WriteOverhead(output, await OverheadAsync(model, request, Math.Min(seconds, 5)));
        var (onMedian, offMedian, ortMedian) = (Statistics.Median(onRuns), Statistics.Median(offRuns), Statistics.Median(ortRuns));
        output.WriteLine(Invariant($"medians of {repeats} rounds: batching on {onMedian:F1} seq/s, off {offMedian:F1} seq/s, in-process ORT {ortMedian:F1} seq/s"));
        output.WriteLine(Invariant($"ratios (of the medians): batching on/off {onMedian / offMedian:F2}x (goal >= 1.5x); node/in-process ORT {onMedian / ortMedian * 100:F1}% (goal >= 85%); per-round node/ORT median {Statistics.Median(ratioRuns) * 100:F1}%"));
        return 0;
    }

    /// <summary>
    /// Only the one-request-at-a-time phase, for a quick before/after of the node's per-request overhead (decode,
    /// admission, queue, reply building): the same measurement and output line as the full run's last phase.
    /// </summary>
    private static async Task<int> OverheadOnlyAsync(Settings args, TextWriter output)
    {
        var threads = args.Threads ?? 0;
        using var model = SplitModel.Load(ModelSource.Bundled(), new SplitModelOptions
        {
            Runtime = new RuntimeOptions { AllowSpinning = false, IntraOpThreads = threads },
        });
        output.WriteLine($"edge bench, overhead only: {Tokens}-token activations cut after stage {Cut}, {args.Seconds:F0} s, {Environment.ProcessorCount} cores, intra-op threads {threads} (0 = ORT default)");
        WriteOverhead(output, await OverheadAsync(model, BuildRequest(model), args.Seconds));
        return 0;
    }

    private static void WriteOverhead(TextWriter output, (double NodeMedian, double NodeP90, double ClientMedian, int Count) overhead) =>
        output.WriteLine(Invariant($"one request at a time: node overhead beyond ORT compute median {overhead.NodeMedian:F3} ms (p90 {overhead.NodeP90:F3}); client round trip minus compute median {overhead.ClientMedian:F3} ms; n={overhead.Count}"));

    /// <summary>Child-process mode: the closed-loop stream clients alone, against <c>--address</c>; prints one result line.</summary>
    private static async Task<int> ClientsOnlyAsync(string address, string requestFile, int streams, double warmUp, double seconds, TextWriter output)
    {
        var request = InferRequest.Parser.ParseFrom(await File.ReadAllBytesAsync(requestFile));
        var (latencies, elapsed, rowSum) = await MeasureStreamsAsync(new Uri(address), request, streams, warmUp, seconds);
        output.WriteLine(Invariant($"result {latencies.Length} {elapsed} {rowSum} {latencies[latencies.Length / 2]}"));
        return 0;
    }

    private static InferRequest BuildRequest(SplitModel model)
    {
        var long_ = model.Tokenize(["split inference sends the hidden state at the cut from the phone to a nearby edge server which finishes the model"]);
        var ids = long_.InputIds.Take(Tokens).ToArray();
        ids[^1] = long_.InputIds[long_.Length(0) - 1]; // [SEP]
        var tokens = new TokenBatch(1, Tokens, ids, Enumerable.Repeat(1L, Tokens).ToArray(), new long[Tokens]);
        var head = model.RunHead(tokens, Cut);
        var request = new InferRequest { ModelHash = model.ModelHash, Scheme = model.Manifest.Scheme, Cut = Cut };
        request.Activation = ActivationCodec.Encode(head.Data, 1, Tokens, model.HiddenSize, Encoding.F32);
        request.AttentionMask.AddRange(tokens.AttentionMask);
        return request;
    }

    private static async Task<(double PerSecond, double MeanBatch, double MedianLatencyMs)> StreamsAsync(
        SplitModel model, InferRequest request, int streams, double warmUp, double seconds, ClientProcess? clients, Action<EdgeNodeOptions> configure)
    {
        await using var node = await StartAsync(model, configure);
        if (clients is not null)
        {
            return await clients.RunAsync(node.Address, streams, warmUp, seconds);
        }

        var (latencies, elapsed, rowSum) = await MeasureStreamsAsync(node.Address, request, streams, warmUp, seconds);
        var count = latencies.Length;
        return (count / elapsed, rowSum / count, latencies[count / 2]);
    }

    /// <summary>The closed-loop stream clients: a warm-up, then the measured run; its latencies in order, seconds and batch rows seen.</summary>
    private static async Task<(double[] Latencies, double Elapsed, double BatchRowSum)> MeasureStreamsAsync(Uri address, InferRequest request, int streams, double warmUp, double seconds)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new SplitInference.SplitInferenceClient(channel);
        await RunStreamsAsync(client, request, streams, TimeSpan.FromSeconds(warmUp));
        var clock = Stopwatch.StartNew();
        var results = await RunStreamsAsync(client, request, streams, TimeSpan.FromSeconds(seconds));
        var elapsed = clock.Elapsed.TotalSeconds;
        return ([.. results.SelectMany(r => r.Latencies).Order()], elapsed, results.Sum(r => r.BatchRowSum));
    }

    private static async Task<(List<double> Latencies, double BatchRowSum)[]> RunStreamsAsync(SplitInference.SplitInferenceClient client, InferRequest request, int streams, TimeSpan duration)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = Enumerable.Range(0, streams).Select(async s =>
        {
            var latencies = new List<double>();
            var rowSum = 0.0;
            using var call = client.InferStream(deadline: DateTime.UtcNow + duration + TimeSpan.FromSeconds(60));
            for (var i = 0; Stopwatch.GetTimestamp() < end && i < 1_000_000; i++)
            {
                var message = request.Clone();
                message.RequestId = $"{s}-{i}";
                var start = Stopwatch.GetTimestamp();
                await call.RequestStream.WriteAsync(message);
                if (!await call.ResponseStream.MoveNext(CancellationToken.None) || call.ResponseStream.Current.ResultCase != StreamReply.ResultOneofCase.Reply)
                {
                    throw new InvalidOperationException($"stream {s}: {call.ResponseStream.Current?.Error}");
                }

                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                rowSum += call.ResponseStream.Current.Reply.Timings.BatchRows;
            }

            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                // Drain to the server's end of stream so the call closes cleanly instead of being reset.
            }

            return (latencies, rowSum);
        });
        return await Task.WhenAll(tasks);
    }

    private static double InProcess(SplitModel model, Activation one, int batch, double seconds)
    {
        var data = new float[batch * one.Data.Length];
        for (var i = 0; i < batch; i++)
        {
            one.Data.CopyTo(data, i * one.Data.Length);
        }

        var activation = new Activation(Cut, batch, Tokens, model.HiddenSize, data, Enumerable.Repeat(1L, batch * Tokens).ToArray());
        for (var i = 0; i < 5; i++)
        {
            model.Run(null, activation, Cut, model.StageCount);
        }

        var clock = Stopwatch.StartNew();
        var runs = 0;
        while (clock.Elapsed.TotalSeconds < seconds && runs < 1_000_000)
        {
            model.Run(null, activation, Cut, model.StageCount);
            runs++;
        }

        return runs * batch / clock.Elapsed.TotalSeconds;
    }

    private static async Task<(double NodeMedian, double NodeP90, double ClientMedian, int Count)> OverheadAsync(SplitModel model, InferRequest request, double seconds)
    {
        await using var node = await StartAsync(model, _ => { });
        using var channel = GrpcChannel.ForAddress(node.Address);
        var client = new SplitInference.SplitInferenceClient(channel);
        var nodeSide = new List<double>();
        var clientSide = new List<double>();
        var clock = Stopwatch.StartNew();
        // The first 50 calls warm up and are not counted; at least 50 are, even past the time on a slow machine.
        for (var i = 0; (clock.Elapsed.TotalSeconds < seconds || i < 100) && i < 20_000; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var reply = await client.InferAsync(request);
            var roundTrip = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= 50)
            {
                nodeSide.Add(reply.Timings.TotalMs - reply.Timings.ComputeMs);
                clientSide.Add(roundTrip - reply.Timings.ComputeMs);
            }
        }

        nodeSide.Sort();
        clientSide.Sort();
        return (nodeSide[nodeSide.Count / 2], nodeSide[nodeSide.Count * 9 / 10], clientSide[clientSide.Count / 2], nodeSide.Count);
    }

    private static async Task<RunningNode> StartAsync(SplitModel model, Action<EdgeNodeOptions> configure)
    {
        var app = GatewayApp.Build(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--EdgeSplit:Edge:MaxQueue=4096"],
            configureEdge: edge => edge.UseModel(model).Configure(configure));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningNode(app, new Uri(address));
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record Settings(double Seconds, double WarmUp, int Streams, int Repeats, string Placement, int? Threads, int? NodeThreads, int ConcurrentBatches);
}
