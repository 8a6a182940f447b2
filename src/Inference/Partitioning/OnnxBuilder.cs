using Google.Protobuf;
using Onnx;

namespace EdgeSplit.Inference.Partitioning;

/// <summary>Small helpers to write ONNX protobuf messages.</summary>
internal static class OnnxBuilder
{
    public const int FloatType = (int)TensorProto.Types.DataType.Float;
    public const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    public static ValueInfoProto Tensor(string name, int elementType, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(long.TryParse(dim, out var value)
                ? new TensorShapeProto.Types.Dimension { DimValue = value }
                : new TensorShapeProto.Types.Dimension { DimParam = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }

    /// <summary>A model around one segment's graph, with the source model's IR version and opsets.</summary>
    public static ModelProto SegmentModel(ModelProto source, string producer, GraphProto graph)
    {
        var model = new ModelProto { IrVersion = source.IrVersion, ProducerName = producer, Graph = graph };
        model.OpsetImport.AddRange(source.OpsetImport);
        return model;
    }

    public static NodeProto Node(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static TensorProto Int64Constant(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = Int64Type };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    public static TensorProto Int64Scalar(string name, long value)
    {
        var tensor = new TensorProto { Name = name, DataType = Int64Type };
        tensor.Int64Data.Add(value);
        return tensor;
    }

    public static TensorProto FloatScalar(string name, float value)
    {
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.FloatData.Add(value);
        return tensor;
    }

    public static string ElementTypeName(int elementType) => elementType switch
    {
        FloatType => "float32",
        Int64Type => "int64",
        _ => ((TensorProto.Types.DataType)elementType).ToString().ToLowerInvariant(),
    };

    public static SegmentTensor Describe(ValueInfoProto info)
    {
        var tensor = info.Type.TensorType;
        var dims = tensor.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
            ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : d.DimParam).ToList() ?? [];
        return new SegmentTensor(info.Name, ElementTypeName(tensor.ElemType), dims);
    }

    public static byte[] Serialize(ModelProto model) => model.ToByteArray();
}
