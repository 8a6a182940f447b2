using System.Globalization;
using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using EdgeSplit.Inference.Decoder;
using EdgeSplit.Scenarios;
using Grpc.Net.Client;

namespace EdgeSplit.Bench.Generation;

/// <summary>
/// What the edge adds to each decode step beyond its ONNX Runtime run: <c>node_ms - compute_ms</c> of every reply of
/// one session (queueing for the scheduler loop, batching the rows, sampling, completing the step), straight to
/// the edge with no link emulation.
/// </summary>
internal static class NodeOverhead
{
    public static async Task RunAsync(TextWriter output, DecoderModel model, Uri edge, int cut, IReadOnlyList<int> prompt, int steps, CancellationToken cancellationToken)
    {
        var hidden = model.Manifest.HiddenSize;
        using var channel = GrpcChannel.ForAddress(edge);
        using var call = new SplitGeneration.SplitGenerationClient(channel).Generate(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new GenerateRequest { Open = new GenerateOpen { ModelHash = model.ModelHash, Cut = cut } }, cancellationToken);
        var head = model.NewCache(0, cut);
        var ids = prompt.Select(i => (long)i).ToArray();
        var rows = model.Forward(0, cut, [head], ids, null, ids.Length);
        var reply = await ExchangeAsync(call, new GenerateRequest { Prefill = new GeneratePrefill { Activation = ActivationCodec.Encode(rows, 1, ids.Length, hidden, Encoding.F32) } }, cancellationToken);
        var overhead = new List<double>();
        var compute = new List<double>();
        for (var i = 0; i < steps; i++)
        {
            var row = model.Forward(0, cut, [head], [reply.Token], null, 1);
            var step = new GenerateStep { Position = head.Length - 1, Activation = ActivationCodec.Encode(row, 1, 1, hidden, Encoding.F32) };
            reply = await ExchangeAsync(call, new GenerateRequest { Step = step }, cancellationToken);
            overhead.Add(reply.NodeMs - reply.ComputeMs);
            compute.Add(reply.ComputeMs);
        }

        await call.RequestStream.CompleteAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"node overhead per decode step over its ONNX Runtime time ({steps} steps, one session, stages [{cut},{model.StageCount})): median {Statistics.Median(overhead):F3} ms, p90 {Statistics.Percentile(overhead, 0.9):F3} ms (ORT median {Statistics.Median(compute):F2} ms)"));
    }

    private static async Task<GenerateReply> ExchangeAsync(Grpc.Core.AsyncDuplexStreamingCall<GenerateRequest, GenerateReply> call, GenerateRequest request, CancellationToken cancellationToken)
    {
        await call.RequestStream.WriteAsync(request, cancellationToken);
        return await call.ResponseStream.MoveNext(cancellationToken)
            ? call.ResponseStream.Current
            : throw new InvalidOperationException($"the edge ended the stream: {call.GetStatus()}");
    }
}
