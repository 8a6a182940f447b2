using System.Diagnostics;
using System.Globalization;
using EdgeSplit.Inference.Models;
using Google.Protobuf;
using Onnx;
using static EdgeSplit.Inference.Partitioning.OnnxBuilder;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>
/// Cuts an encoder's ONNX graph into stages (embeddings, each layer, pooling). Each segment is the
/// backward closure of its output boundary, stopping at the previous boundary; values that cross a cut
/// but derive only from side inputs (the attention-mask transform) are recomputed inside the segment.
/// </summary>
public static class ModelPartitioner
{
    private const string Producer = "edgesplit-partitioner";

    /// <summary>Parses ONNX bytes with the generated ONNX protobuf classes.</summary>
    public static ModelProto Parse(byte[] modelBytes, string origin)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(modelBytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ModelLoadException($"'{origin}' is not an ONNX model: {ex.Message}", ex);
        }

        if (model.Graph is null || model.Graph.Node.Count == 0 || model.OpsetImport.Count == 0)
        {
            throw new ModelLoadException($"'{origin}' is not an ONNX model: it has no graph nodes or opset.");
        }

        return model;
    }

    /// <summary>Partitions a parsed model.</summary>
    public static PartitionedModel Partition(ModelProto model, string modelId, string modelHash, PartitionOptions options)
    {
        var clock = Stopwatch.StartNew();
        var graph = model.Graph;
        var boundaries = options.Boundaries ?? BoundaryDetector.Detect(graph);
        if (boundaries.Count < 1)
        {
            throw new PartitionException("at least one boundary tensor is needed.");
        }

        var index = new GraphIndex(graph);
        foreach (var boundary in boundaries)
        {
            if (!index.Producer.ContainsKey(boundary))
            {
                throw new PartitionException($"boundary tensor '{boundary}' is not produced by any node of the graph.");
            }
        }

        var hiddenSize = index.InferHiddenSize(boundaries[^1]);
        var hidden = hiddenSize.ToString(CultureInfo.InvariantCulture);
        var segments = new List<byte[]>();
        var infos = new List<SegmentInfo>();
        for (var stage = 0; stage < boundaries.Count; stage++)
        {
            var inputBoundary = stage == 0 ? null : boundaries[stage - 1];
            var segment = BuildSegment(model, index, stage, inputBoundary, boundaries[stage], hidden, options);
            var bytes = Serialize(segment);
            segments.Add(bytes);
            infos.Add(new SegmentInfo(
                stage,
                stage == 0 ? "embeddings" : $"layer.{stage - 1}",
                stage == 0 ? StageKind.Embeddings : StageKind.Layer,
                SegmentFileName(stage),
                segment.Graph.Input.Select(Describe).ToList(),
                segment.Graph.Output.Select(Describe).ToList(),
                segment.Graph.Node.Count,
                bytes.LongLength));
        }

        var pooling = PoolingSegmentBuilder.Build(options.Pooling, hiddenSize, Producer);
        var poolingBytes = Serialize(pooling);
        segments.Add(poolingBytes);
        infos.Add(new SegmentInfo(
            boundaries.Count,
            "pooling",
            StageKind.Pooling,
            SegmentFileName(boundaries.Count),
            pooling.Graph.Input.Select(Describe).ToList(),
            pooling.Graph.Output.Select(Describe).ToList(),
            pooling.Graph.Node.Count,
            poolingBytes.LongLength));

        var manifest = new PartitionManifest
        {
            ModelId = modelId,
            ModelHash = modelHash,
            Scheme = PartitionManifest.CurrentScheme,
            HiddenSize = hiddenSize,
            VocabSize = index.FindVocabSize(),
            Pooling = options.Pooling,
            Boundaries = boundaries.ToList(),
            Stages = infos,
            PartitionMs = clock.Elapsed.TotalMilliseconds,
        };
        return new PartitionedModel(manifest, segments);
    }

    /// <summary>File name of a stage's segment inside a partition directory.</summary>
    public static string SegmentFileName(int stage) => $"stage_{stage:D2}.onnx";

    private static byte[] Serialize(ModelProto model) => model.ToByteArray();

    private static ModelProto BuildSegment(
        ModelProto source, GraphIndex index, int stage, string? inputBoundary, string outputBoundary, string hidden, PartitionOptions options)
    {
        // The first stage reads the model's own inputs; a later one only what travels with the activation.
        IReadOnlyCollection<string> received = inputBoundary is null ? index.GraphInputs.Keys : options.SideInputs;
        var segment = index.Segment([outputBoundary], inputBoundary, received, $"stage {stage}");
        var graph = segment.ToGraph(stage == 0 ? "embeddings" : $"stage_{stage}", inputBoundary, outputBoundary);
        if (inputBoundary is not null)
        {
            graph.Input.Add(Tensor(TensorNames.HiddenIn, FloatType, "batch", "sequence", hidden));
        }

        // Keep the original input order; a layer always declares attention_mask so every stage has the same signature.
        foreach (var input in index.GraphInputs.Keys)
        {
            if (segment.Inputs.Contains(input) || (inputBoundary is not null && input == TensorNames.AttentionMask))
            {
                graph.Input.Add(index.GraphInputs[input].Clone());
            }
        }

        graph.Output.Add(Tensor(TensorNames.HiddenOut, FloatType, "batch", "sequence", hidden));
        return SegmentModel(source, Producer, graph);
    }
}
