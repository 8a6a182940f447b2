using Onnx;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>Lookup tables over one graph: producers, consumers, initializers and input dependencies.</summary>
internal sealed class GraphIndex
{
    private readonly Dictionary<string, List<int>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependencies = new(StringComparer.Ordinal);

    public GraphIndex(GraphProto graph)
    {
        Nodes = graph.Node;
        Initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);

        // Some exporters list initializers among the inputs too; those are weights, not inputs.
        GraphInputs = new Dictionary<string, ValueInfoProto>(StringComparer.Ordinal);
        foreach (var input in graph.Input.Where(i => !Initializers.ContainsKey(i.Name)))
        {
            GraphInputs[input.Name] = input;
        }

        for (var i = 0; i < Nodes.Count; i++)
        {
            foreach (var output in Nodes[i].Output)
            {
                Producer[output] = i;
            }

            foreach (var input in Nodes[i].Input)
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    _consumers[input] = list = [];
                }

                list.Add(i);
            }
        }
    }

    public IReadOnlyList<NodeProto> Nodes { get; }

    public Dictionary<string, TensorProto> Initializers { get; }

    public Dictionary<string, ValueInfoProto> GraphInputs { get; }

    public Dictionary<string, int> Producer { get; } = new(StringComparer.Ordinal);

    /// <summary>All tensors computed (transitively) from <paramref name="tensor"/>, itself included.</summary>
    public HashSet<string> DescendantsOf(string tensor)
    {
        var result = new HashSet<string>(StringComparer.Ordinal) { tensor };
        var pending = new Stack<string>();
        pending.Push(tensor);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (!_consumers.TryGetValue(current, out var consumers))
            {
                continue;
            }

            foreach (var node in consumers)
            {
                foreach (var output in Nodes[node].Output)
                {
                    if (output.Length > 0 && result.Add(output))
                    {
                        pending.Push(output);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The graph inputs a tensor is computed from.</summary>
    public IReadOnlySet<string> InputDependencies(string tensor)
    {
        if (_dependencies.TryGetValue(tensor, out var cached))
        {
            return cached;
        }

        // Iterative post-order walk so deep graphs cannot overflow the stack.
        var pending = new Stack<(string Tensor, bool Expanded)>();
        pending.Push((tensor, false));
        while (pending.Count > 0)
        {
            var (current, expanded) = pending.Pop();
            if (_dependencies.ContainsKey(current))
            {
                continue;
            }

            if (GraphInputs.ContainsKey(current))
            {
                _dependencies[current] = new HashSet<string>(StringComparer.Ordinal) { current };
                continue;
            }

            if (current.Length == 0 || Initializers.ContainsKey(current) || !Producer.TryGetValue(current, out var producer))
            {
                _dependencies[current] = [];
                continue;
            }

            var inputs = Nodes[producer].Input;
            if (!expanded)
            {
                pending.Push((current, true));
                foreach (var input in inputs.Where(i => !_dependencies.ContainsKey(i)))
                {
                    pending.Push((input, false));
                }

                continue;
            }

            var union = new HashSet<string>(StringComparer.Ordinal);
            foreach (var input in inputs)
            {
                union.UnionWith(_dependencies[input]);
            }

            _dependencies[current] = union;
        }

        return _dependencies[tensor];
    }

    /// <summary>
    /// The backward closure of a segment's outputs, stopping at the cut it starts from. A value that crosses the cut
    /// without deriving from the boundary is kept only when it can be recomputed from the inputs the segment receives.
    /// </summary>
    /// <param name="outputs">The tensors the segment hands on.</param>
    /// <param name="inputBoundary">The tensor entering at the cut; null for the first segment.</param>
    /// <param name="received">The graph inputs the segment may read (those that travel with the activation).</param>
    /// <param name="stage">How the errors name the stage, e.g. <c>stage 2</c>.</param>
    /// <exception cref="PartitionException">Tensors cross the cut that cannot be recomputed, or the outputs do not depend on the boundary.</exception>
    public GraphSegment Segment(IEnumerable<string> outputs, string? inputBoundary, IReadOnlyCollection<string> received, string stage)
    {
        var derived = inputBoundary is null ? null : DescendantsOf(inputBoundary);
        var segment = new GraphSegment(Nodes);
        var offending = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(outputs);
        while (pending.Count > 0)
        {
            var tensor = pending.Pop();
            if (tensor.Length == 0 || !seen.Add(tensor) || tensor == inputBoundary)
            {
                continue;
            }

            if (Initializers.TryGetValue(tensor, out var initializer))
            {
                segment.Initializers.Add(initializer);
                continue;
            }

            if (GraphInputs.ContainsKey(tensor))
            {
                if (received.Contains(tensor))
                {
                    segment.Inputs.Add(tensor);
                }
                else
                {
                    offending.Add($"'{tensor}' (a model input this stage does not receive)");
                }

                continue;
            }

            if (derived is not null && !derived.Contains(tensor))
            {
                var foreign = InputDependencies(tensor).Where(d => !received.Contains(d)).ToList();
                if (foreign.Count > 0)
                {
                    offending.Add($"'{tensor}' (depends on {string.Join(", ", foreign)})");
                    continue;
                }
            }

            if (!Producer.TryGetValue(tensor, out var producer))
            {
                throw new PartitionException($"tensor '{tensor}' has no producer, initializer or graph input.");
            }

            segment.Nodes.Add(producer);
            foreach (var input in Nodes[producer].Input)
            {
                pending.Push(input);
            }
        }

        if (offending.Count > 0)
        {
            throw new PartitionException(
                $"cannot cut before {stage} at '{inputBoundary}': these tensors cross the cut and cannot be recomputed " +
                $"from {string.Join(", ", received)}: {string.Join("; ", offending)}.");
        }

        if (inputBoundary is not null && !seen.Contains(inputBoundary))
        {
            throw new PartitionException($"{stage} does not depend on the previous boundary '{inputBoundary}'; boundaries must be in order.");
        }

        return segment;
    }

    /// <summary>Hidden width: the length of the 1-D parameter (LayerNorm bias) that produces the last boundary.</summary>
    public int InferHiddenSize(string lastBoundary)
    {
        var node = Nodes[Producer[lastBoundary]];
        foreach (var input in node.Input)
        {
            if (Initializers.TryGetValue(input, out var parameter) && parameter.Dims.Count == 1)
            {
                return checked((int)parameter.Dims[0]);
            }
        }

        // Fall back to the graph's declared output shape when the boundary is a named graph output.
        throw new PartitionException($"cannot infer the hidden size at '{lastBoundary}': its producer has no 1-D parameter.");
    }

    /// <summary>Rows of the table that input_ids index into (the vocabulary size the model accepts).</summary>
    public int? FindVocabSize()
    {
        if (!_consumers.TryGetValue(TensorNames.InputIds, out var consumers))
        {
            return null;
        }

        foreach (var node in consumers.Select(i => Nodes[i]).Where(n => n.OpType == "Gather" && n.Input.Count == 2))
        {
            if (Initializers.TryGetValue(node.Input[0], out var table) && table.Dims.Count == 2)
            {
                return checked((int)table.Dims[0]);
            }
        }

        return null;
    }
}
