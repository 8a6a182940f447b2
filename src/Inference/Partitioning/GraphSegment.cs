using Google.Protobuf.Collections;
using Onnx;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>What one segment of a graph computes: the nodes, weights and graph inputs its outputs need, back to the cut.</summary>
internal sealed class GraphSegment(IReadOnlyList<NodeProto> graphNodes)
{
    /// <summary>Indices of the source graph's nodes, in the source's (topological) order.</summary>
    public SortedSet<int> Nodes { get; } = [];

    public List<TensorProto> Initializers { get; } = [];

    /// <summary>The source graph's inputs the segment reads.</summary>
    public HashSet<string> Inputs { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A graph of the segment's nodes and weights, with the tensor entering at the cut renamed to
    /// <see cref="TensorNames.HiddenIn"/> and the hidden state it hands on to <see cref="TensorNames.HiddenOut"/>.
    /// Inputs and outputs are the caller's to declare.
    /// </summary>
    public GraphProto ToGraph(string name, string? inputBoundary, string? outputBoundary)
    {
        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        if (outputBoundary is not null)
        {
            rename[outputBoundary] = TensorNames.HiddenOut;
        }

        if (inputBoundary is not null)
        {
            rename[inputBoundary] = TensorNames.HiddenIn;
        }

        var graph = new GraphProto { Name = name };
        foreach (var nodeIndex in Nodes)
        {
            var node = graphNodes[nodeIndex].Clone();
            Rename(node.Input, rename);
            Rename(node.Output, rename);
            graph.Node.Add(node);
        }

        graph.Initializer.AddRange(Initializers.OrderBy(i => i.Name, StringComparer.Ordinal));
        return graph;
    }

    private static void Rename(RepeatedField<string> names, Dictionary<string, string> rename)
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
