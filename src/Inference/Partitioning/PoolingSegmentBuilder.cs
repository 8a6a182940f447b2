using EdgeSplit.Inference.Models;
using Onnx;
using static EdgeSplit.Inference.Partitioning.OnnxBuilder;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>
/// Builds the output stage: last hidden state to the sentence-transformers embedding (mean over the
/// mask, or the [CLS] state) followed by L2 normalisation with the same epsilons as PyTorch.
/// It is its own model, so it uses opset 13 whatever the source model's opset is.
/// </summary>
internal static class PoolingSegmentBuilder
{
    private const int Opset = 13;

    public static ModelProto Build(PoolingMode pooling, int hiddenSize, string producer)
    {
        var hidden = hiddenSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var graph = new GraphProto { Name = $"pooling_{pooling.ToString().ToLowerInvariant()}" };
        graph.Input.Add(Tensor(TensorNames.HiddenIn, FloatType, "batch", "sequence", hidden));
        graph.Input.Add(Tensor(TensorNames.AttentionMask, Int64Type, "batch", "sequence"));
        graph.Output.Add(Tensor(TensorNames.Embedding, FloatType, "batch", hidden));
        graph.Initializer.Add(Int64Constant("axis_seq", 1));
        graph.Initializer.Add(Int64Constant("axis_last", -1));
        graph.Initializer.Add(FloatScalar("count_eps", 1e-9f));
        graph.Initializer.Add(FloatScalar("norm_eps", 1e-12f));

        string pooled;
        if (pooling == PoolingMode.Mean)
        {
            // torch: sum(h * mask) / clamp(sum(mask), min=1e-9)
            graph.Node.Add(Node("Unsqueeze", "mask_unsqueeze", [TensorNames.AttentionMask, "axis_last"], ["mask_3d"]));
            graph.Node.Add(Node("Cast", "mask_cast", ["mask_3d"], ["mask_f"], IntAttribute("to", FloatType)));
            graph.Node.Add(Node("Mul", "masked", [TensorNames.HiddenIn, "mask_f"], ["masked_hidden"]));
            graph.Node.Add(Node("ReduceSum", "sum_hidden", ["masked_hidden", "axis_seq"], ["summed"], IntAttribute("keepdims", 0)));
            graph.Node.Add(Node("ReduceSum", "sum_mask", ["mask_f", "axis_seq"], ["count"], IntAttribute("keepdims", 0)));
            graph.Node.Add(Node("Max", "count_clamp", ["count", "count_eps"], ["count_safe"]));
            graph.Node.Add(Node("Div", "mean", ["summed", "count_safe"], ["pooled"]));
            pooled = "pooled";
        }
        else
        {
            graph.Initializer.Add(Int64Scalar("cls_index", 0));
            graph.Node.Add(Node("Gather", "cls", [TensorNames.HiddenIn, "cls_index"], ["pooled"], IntAttribute("axis", 1)));
            pooled = "pooled";
        }

        // F.normalize: x / max(||x||_2, 1e-12)
        graph.Node.Add(Node("Mul", "square", [pooled, pooled], ["squared"]));
        graph.Node.Add(Node("ReduceSum", "sum_squares", ["squared", "axis_last"], ["sum_sq"], IntAttribute("keepdims", 1)));
        graph.Node.Add(Node("Sqrt", "norm", ["sum_sq"], ["l2"]));
        graph.Node.Add(Node("Max", "norm_clamp", ["l2", "norm_eps"], ["l2_safe"]));
        graph.Node.Add(Node("Div", "normalize", [pooled, "l2_safe"], [TensorNames.Embedding]));

        var model = new ModelProto { IrVersion = 7, ProducerName = producer, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        return model;
    }
}
