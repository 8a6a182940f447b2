using System.Globalization;
using System.Text.RegularExpressions;
using Onnx;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>
/// Finds stage boundaries of BERT-family exports from parameter names, which exporters keep even when
/// node names are numeric: a stage ends at the output of the node that applies the embeddings' or a
/// layer's final LayerNorm bias.
/// </summary>
internal static partial class BoundaryDetector
{
    public static IReadOnlyList<string> Detect(GraphProto graph)
    {
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        string? embeddingsBias = null;
        var layerBiases = new SortedDictionary<int, string>();
        foreach (var name in initializers)
        {
            if (EmbeddingsBias().IsMatch(name))
            {
                embeddingsBias = embeddingsBias is null
                    ? name
                    : throw new PartitionException($"found two embeddings LayerNorm biases ('{embeddingsBias}', '{name}'); give the boundaries explicitly.");
                continue;
            }

            var layer = LayerOutputBias().Match(name);
            if (layer.Success)
            {
                var index = int.Parse(layer.Groups["n"].Value, CultureInfo.InvariantCulture);
                if (!layerBiases.TryAdd(index, name))
                {
                    throw new PartitionException($"found two output LayerNorm biases for layer {index} ('{layerBiases[index]}', '{name}'); give the boundaries explicitly.");
                }
            }
        }

        if (embeddingsBias is null || layerBiases.Count == 0)
        {
            throw new PartitionException(
                "could not find BERT-style layer boundaries (parameters named like 'embeddings.LayerNorm.bias' and " +
                "'encoder.layer.N.output.LayerNorm.bias'); give the boundary tensors explicitly.");
        }

        var expected = Enumerable.Range(layerBiases.Keys.First(), layerBiases.Count);
        if (!layerBiases.Keys.SequenceEqual(expected))
        {
            throw new PartitionException($"layer numbers are not contiguous: {string.Join(", ", layerBiases.Keys)}.");
        }

        var boundaries = new List<string> { OutputOfConsumer(graph, embeddingsBias) };
        boundaries.AddRange(layerBiases.Values.Select(bias => OutputOfConsumer(graph, bias)));
        return boundaries;
    }

    private static string OutputOfConsumer(GraphProto graph, string parameter)
    {
        var consumers = graph.Node.Where(n => n.Input.Contains(parameter)).ToList();
        return consumers.Count switch
        {
            1 when consumers[0].Output.Count == 1 => consumers[0].Output[0],
            0 => throw new PartitionException($"parameter '{parameter}' is not used by any node."),
            _ => throw new PartitionException($"parameter '{parameter}' is used by {consumers.Count} nodes or a node with several outputs; give the boundaries explicitly."),
        };
    }

    [GeneratedRegex(@"(^|\.)embeddings\.LayerNorm\.bias$", RegexOptions.CultureInvariant)]
    private static partial Regex EmbeddingsBias();

    [GeneratedRegex(@"(^|\.)layer\.(?<n>\d+)\.(output\.LayerNorm|output_layer_norm)\.bias$", RegexOptions.CultureInvariant)]
    private static partial Regex LayerOutputBias();
}
