using System.Globalization;
using System.Text.RegularExpressions;
using EdgeSplit.Inference.Partitioning;
using Google.Protobuf;
using Onnx;
using static EdgeSplit.Inference.Partitioning.OnnxBuilder;

namespace EdgeSplit.Inference.Decoder;

/// <summary>
/// Cuts a decoder-only model with the exporters' KV signature into embeddings, one stage per layer (with that
/// layer's <c>past_key_values.i.*</c> in and <c>present.i.*</c> out) and the head (final norm + LM head).
/// Boundaries come from parameter names (<c>transformer.h.N.</c>, <c>model.layers.N.</c>): the hidden state
/// entering a layer is the earliest value derived from <c>input_ids</c> that the layer's parameterised
/// nodes read. Values that cross a cut without coming from the hidden state must be recomputable from
/// <c>attention_mask</c>, <c>position_ids</c> and the layer's own cache; otherwise the cut is refused, naming them.
/// </summary>
public static partial class DecoderPartitioner
{
    private const string Producer = "edgesplit-decoder-partitioner";

    /// <summary>Partitions a parsed decoder.</summary>
    /// <param name="model">The full decoder.</param>
    /// <param name="modelHash">SHA-256 of its bytes.</param>
    /// <param name="boundaries">Layers + 1 tensor names (embeddings output, then each layer's output); null finds them.</param>
    public static DecoderPartition Partition(ModelProto model, string modelHash, IReadOnlyList<string>? boundaries = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var index = new GraphIndex(model.Graph);
        foreach (var required in new[] { TensorNames.InputIds, TensorNames.AttentionMask, TensorNames.PositionIds })
        {
            if (!index.GraphInputs.ContainsKey(required))
            {
                throw new PartitionException($"the model has no '{required}' input: not a decoder with the exporters' KV signature ({TensorNames.InputIds}, {TensorNames.AttentionMask}, {TensorNames.PositionIds}, past_key_values.N.key/value).");
            }
        }

        var layers = 0;
        while (index.GraphInputs.ContainsKey(TensorNames.PastKey(layers)))
        {
            layers++;
        }

        if (layers == 0)
        {
            throw new PartitionException($"the model has no '{TensorNames.PastKey(0)}' input: export it with its KV cache (optimum: --task text-generation-with-past).");
        }

        boundaries ??= DetectBoundaries(model.Graph, index, layers);
        if (boundaries.Count != layers + 1)
        {
            throw new PartitionException($"{boundaries.Count} boundaries given; a {layers}-layer decoder needs {layers + 1} (embeddings output, then each layer's output).");
        }

        foreach (var boundary in boundaries.Where(b => !index.Producer.ContainsKey(b)))
        {
            throw new PartitionException($"boundary tensor '{boundary}' is not produced by any node of the graph.");
        }

        var table = FindEmbeddingTable(index);
        var pastKey = index.GraphInputs[TensorNames.PastKey(0)].Type.TensorType.Shape.Dim;
        var kvHeads = checked((int)pastKey[1].DimValue);
        var headDim = checked((int)pastKey[3].DimValue);
        var hidden = checked((int)table.Dims[1]);
        var logits = model.Graph.Output.FirstOrDefault(o => o.Name == TensorNames.Logits)
            ?? throw new PartitionException($"the model has no '{TensorNames.Logits}' output.");
        var vocab = checked((int)logits.Type.TensorType.Shape.Dim[2].DimValue);

        var segments = new List<byte[]>();
        var stages = new List<DecoderStageInfo>();
        for (var stage = 0; stage <= layers + 1; stage++)
        {
            int? layer = stage >= 1 && stage <= layers ? stage - 1 : null;
            var input = stage == 0 ? null : boundaries[stage - 1];
            var outputs = new List<string>();
            // Sorted, so that a refused cut lists what it could have used in a stable order.
            var allowed = new SortedSet<string>(StringComparer.Ordinal) { TensorNames.AttentionMask, TensorNames.PositionIds };
            if (stage == 0)
            {
                outputs.Add(boundaries[0]);
                allowed.Add(TensorNames.InputIds);
            }
            else if (layer is int l)
            {
                outputs.AddRange([boundaries[stage], TensorNames.PresentKey(l), TensorNames.PresentValue(l)]);
                allowed.UnionWith([TensorNames.PastKey(l), TensorNames.PastValue(l)]);
            }
            else
            {
                outputs.Add(TensorNames.Logits);
            }

            var name = stage == 0 ? "embeddings" : layer is int li ? $"layer.{li}" : "head";
            var segment = BuildSegment(model, index, stage, name, input, outputs, allowed, hidden);
            var bytes = segment.ToByteArray();
            segments.Add(bytes);
            stages.Add(new DecoderStageInfo(
                stage, name, layer, string.Create(CultureInfo.InvariantCulture, $"stage_{stage:D2}.onnx"),
                segment.Graph.Input.Select(Describe).ToList(), segment.Graph.Output.Select(Describe).ToList(), segment.Graph.Node.Count, bytes.LongLength));
        }

        var manifest = new DecoderManifest
        {
            ModelHash = modelHash,
            Scheme = DecoderManifest.CurrentScheme,
            Layers = layers,
            HiddenSize = hidden,
            KvHeads = kvHeads,
            HeadDim = headDim,
            VocabSize = vocab,
            Boundaries = boundaries.ToList(),
            Stages = stages,
        };
        return new DecoderPartition(manifest, segments);
    }

    /// <summary>The hidden state entering each layer and the final norm, found from parameter names.</summary>
    internal static IReadOnlyList<string> DetectBoundaries(GraphProto graph, GraphIndex index, int layers)
    {
        var byLayer = new Dictionary<int, List<string>>();
        var final = new List<string>();
        foreach (var name in index.Initializers.Keys)
        {
            var match = LayerParameter().Match(name);
            if (match.Success)
            {
                var layer = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                if (!byLayer.TryGetValue(layer, out var list))
                {
                    byLayer[layer] = list = [];
                }

                list.Add(name);
            }
            else if (FinalNormParameter().IsMatch(name))
            {
                final.Add(name);
            }
        }

        var fromTokens = index.DescendantsOf(TensorNames.InputIds);
        var boundaries = new List<string>();
        for (var layer = 0; layer < layers; layer++)
        {
            if (!byLayer.TryGetValue(layer, out var parameters))
            {
                throw new PartitionException($"no parameters named like 'transformer.h.{layer}.' or 'model.layers.{layer}.' for layer {layer}: give the boundaries explicitly.");
            }

            boundaries.Add(HiddenEntering(graph, index, parameters, fromTokens, $"layer {layer}"));
        }

        if (final.Count == 0)
        {
            throw new PartitionException("no final norm parameters ('transformer.ln_f.', 'model.norm.'): give the boundaries explicitly.");
        }

        boundaries.Insert(layers, HiddenEntering(graph, index, final, fromTokens, "the final norm"));
        return boundaries;
    }

    private static string HiddenEntering(GraphProto graph, GraphIndex index, List<string> parameters, HashSet<string> fromTokens, string what)
    {
        var inside = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            inside.UnionWith(index.DescendantsOf(parameter));
        }

        var candidates = new List<string>();
        foreach (var node in graph.Node.Where(n => n.Output.Any(inside.Contains)))
        {
            candidates.AddRange(node.Input.Where(i => !inside.Contains(i) && fromTokens.Contains(i) && !candidates.Contains(i)));
        }

        foreach (var candidate in candidates)
        {
            var descendants = index.DescendantsOf(candidate);
            if (candidates.All(descendants.Contains))
            {
                return candidate;
            }
        }

        throw new PartitionException($"cannot find the hidden state entering {what}: candidates {string.Join(", ", candidates.Select(c => $"'{c}'"))} do not share one source; give the boundaries explicitly.");
    }

    private static TensorProto FindEmbeddingTable(GraphIndex index)
    {
        foreach (var node in index.Nodes.Where(n => n.OpType == "Gather" && n.Input.Count == 2 && n.Input[1] == TensorNames.InputIds))
        {
            if (index.Initializers.TryGetValue(node.Input[0], out var table) && table.Dims.Count == 2)
            {
                return table;
            }
        }

        throw new PartitionException($"no token embedding table (a Gather of '{TensorNames.InputIds}' from a 2-D initializer).");
    }

    private static ModelProto BuildSegment(
        ModelProto source, GraphIndex index, int stage, string name, string? inputBoundary, List<string> outputs, SortedSet<string> allowed, int hiddenSize)
    {
        var segment = index.Segment(outputs, inputBoundary, allowed, $"stage {stage} ({name})");
        var hiddenOut = outputs[0] == TensorNames.Logits ? null : outputs[0];
        var graph = segment.ToGraph(name, inputBoundary, hiddenOut);
        var width = hiddenSize.ToString(CultureInfo.InvariantCulture);
        if (inputBoundary is not null)
        {
            graph.Input.Add(Tensor(TensorNames.HiddenIn, FloatType, TensorNames.BatchDim, TensorNames.SequenceDim, width));
        }

        foreach (var input in index.GraphInputs.Keys.Where(segment.Inputs.Contains))
        {
            graph.Input.Add(index.GraphInputs[input].Clone());
        }

        foreach (var output in outputs)
        {
            graph.Output.Add(output == hiddenOut
                ? Tensor(TensorNames.HiddenOut, FloatType, TensorNames.BatchDim, TensorNames.SequenceDim, width)
                : source.Graph.Output.First(o => o.Name == output).Clone());
        }

        return SegmentModel(source, Producer, graph);
    }

    [GeneratedRegex(@"^(transformer\.h|model\.layers)\.(\d+)\.", RegexOptions.CultureInvariant)]
    private static partial Regex LayerParameter();

    [GeneratedRegex(@"^(transformer\.ln_f|model\.norm)\.", RegexOptions.CultureInvariant)]
    private static partial Regex FinalNormParameter();
}
