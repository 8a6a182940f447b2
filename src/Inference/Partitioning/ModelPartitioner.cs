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
        var derived = inputBoundary is null ? null : index.DescendantsOf(inputBoundary);
        var nodes = new SortedSet<int>();
        var initializers = new List<TensorProto>();
        var graphInputs = new List<string>();
        var offending = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(outputBoundary);
        while (pending.Count > 0)
        {
            var tensor = pending.Pop();
            if (tensor.Length == 0 || !seen.Add(tensor) || tensor == inputBoundary)
            {
                continue;
            }

            if (index.Initializers.TryGetValue(tensor, out var initializer))
            {
                initializers.Add(initializer);
                continue;
            }

            if (derived is not null && !derived.Contains(tensor))
            {
                // Crosses the cut without coming from the hidden state: only acceptable when it can be
                // recomputed from the inputs that travel with the activation.
                var foreign = index.InputDependencies(tensor).Where(d => !options.SideInputs.Contains(d)).ToList();
                if (foreign.Count > 0)
                {
                    offending.Add($"'{tensor}' (depends on {string.Join(", ", foreign)})");
                    continue;
                }
            }

            if (index.GraphInputs.ContainsKey(tensor))
            {
                graphInputs.Add(tensor);
                continue;
            }

            if (!index.Producer.TryGetValue(tensor, out var producer))
            {
                throw new PartitionException($"tensor '{tensor}' has no producer, initializer or graph input.");
            }

            nodes.Add(producer);
            foreach (var input in index.Nodes[producer].Input)
            {
                pending.Push(input);
            }
        }

        if (offending.Count > 0)
        {
            throw new PartitionException(
                $"cannot cut before stage {stage} at '{inputBoundary}': these tensors cross the cut and cannot be recomputed " +
                $"from {string.Join(", ", options.SideInputs)}: {string.Join("; ", offending)}.");
        }

        if (inputBoundary is not null && !seen.Contains(inputBoundary))
        {
            throw new PartitionException($"stage {stage} output '{outputBoundary}' does not depend on the previous boundary '{inputBoundary}'; boundaries must be in order.");
        }

        var rename = new Dictionary<string, string>(StringComparer.Ordinal) { [outputBoundary] = TensorNames.HiddenOut };
        if (inputBoundary is not null)
        {
            rename[inputBoundary] = TensorNames.HiddenIn;
        }

        var graph = new GraphProto { Name = stage == 0 ? "embeddings" : $"stage_{stage}" };
        foreach (var nodeIndex in nodes)
        {
            var node = index.Nodes[nodeIndex].Clone();
            Rename(node.Input, rename);
            Rename(node.Output, rename);
            graph.Node.Add(node);
        }

        graph.Initializer.AddRange(initializers.OrderBy(i => i.Name, StringComparer.Ordinal));
        if (inputBoundary is not null)
        {
            graph.Input.Add(Tensor(TensorNames.HiddenIn, FloatType, "batch", "sequence", hidden));
        }

        // Keep the original input order; a layer always declares attention_mask so every stage has the same signature.
        foreach (var input in index.GraphInputs.Keys)
        {
            if (graphInputs.Contains(input) || (inputBoundary is not null && input == TensorNames.AttentionMask))
            {
                graph.Input.Add(index.GraphInputs[input].Clone());
            }
        }

        graph.Output.Add(Tensor(TensorNames.HiddenOut, FloatType, "batch", "sequence", hidden));
        var model = new ModelProto
        {
            IrVersion = source.IrVersion,
            ProducerName = Producer,
            Graph = graph,
        };
        model.OpsetImport.AddRange(source.OpsetImport);
        return model;
    }

    private static void Rename(Google.Protobuf.Collections.RepeatedField<string> names, Dictionary<string, string> rename)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (rename.TryGetValue(names[i], out var renamed))
            {
                names[i] = renamed;
            }
        }
    }
}
