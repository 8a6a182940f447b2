using System.Globalization;
using System.Runtime.InteropServices;
using EdgeSplit.Inference.Partitioning;
using Google.Protobuf;
using Onnx;
using static EdgeSplit.Inference.Partitioning.OnnxBuilder;

namespace EdgeSplit.Inference.Decoder;

/// <summary>
/// Writes a decoder-only transformer as ONNX with seeded random weights, in the graph structure and with
/// the parameter and tensor names of Hugging Face optimum's exports (GPT-2: <c>transformer.h.N.</c>;
/// Llama: <c>model.layers.N.</c>), so the partitioner and runtime meet the same graph a real export gives.
/// Opset 17, IR 8 (what ONNX 1.12's checker accepts).
/// </summary>
public static class DecoderModelWriter
{
    /// <summary>Opset of the written graph.</summary>
    public const int Opset = 17;

    private const string Producer = "edgesplit-make-decoder";

    /// <summary>Builds the model.</summary>
    public static ModelProto Build(DecoderLayout layout, DecoderDimensions dims, int seed)
    {
        ArgumentNullException.ThrowIfNull(dims);
        dims.Validate(layout);
        var g = new GraphWriter(new Random(seed), dims);
        g.DeclareSignature();
        var mask = g.AttentionBias();
        string hidden;
        if (layout == DecoderLayout.Gpt2)
        {
            var tokens = g.Gather("/transformer/wte/Gather", g.Weight("transformer.wte.weight", 0.02f, dims.Vocab, dims.Hidden), TensorNames.InputIds);
            var positions = g.Gather("/transformer/wpe/Gather", g.Weight("transformer.wpe.weight", 0.01f, dims.MaxPositions, dims.Hidden), TensorNames.PositionIds);
            hidden = g.Op("Add", "/transformer/Add", tokens, positions);
            for (var layer = 0; layer < dims.Layers; layer++)
            {
                hidden = g.Gpt2Block(layer, hidden, mask);
            }

            var final = g.LayerNorm("/transformer/ln_f", "transformer.ln_f", hidden);
            var tied = g.Op("Transpose", "/lm_head/Transpose", [g.Perm(1, 0)], "transformer.wte.weight");
            g.Node("MatMul", "/lm_head/MatMul", [final, tied], [TensorNames.Logits]);
        }
        else
        {
            hidden = g.Gather("/model/embed_tokens/Gather", g.Weight("model.embed_tokens.weight", 0.02f, dims.Vocab, dims.Hidden), TensorNames.InputIds);
            var (cos, sin) = g.Rotary();
            for (var layer = 0; layer < dims.Layers; layer++)
            {
                hidden = g.LlamaBlock(layer, hidden, mask, cos, sin);
            }

            var final = g.RmsNorm("/model/norm", "model.norm.weight", hidden);
            g.Node("MatMul", "/lm_head/MatMul", [final, g.Weight("lm_head.weight", 0.02f, dims.Hidden, dims.Vocab)], [TensorNames.Logits]);
        }

        g.Graph.Name = layout == DecoderLayout.Gpt2 ? "gpt2" : "llama";
        var model = new ModelProto { IrVersion = 8, ProducerName = Producer, Graph = g.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "edgesplit.layout", Value = layout.ToString().ToLowerInvariant() });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "edgesplit.seed", Value = seed.ToString(CultureInfo.InvariantCulture) });
        return model;
    }

    /// <summary>Writes <c>model.onnx</c> and <c>decoder.json</c> (layout, sizes, tokenizer) into a directory.</summary>
    public static string Write(string directory, DecoderLayout layout, DecoderDimensions dims, int seed)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, DecoderModelInfo.ModelFileName);
        File.WriteAllBytes(path, Build(layout, dims, seed).ToByteArray());
        new DecoderModelInfo { Layout = layout, Tokenizer = DecoderTokenizer.Gpt2Name, Seed = seed, Dimensions = dims }.Save(directory);
        return path;
    }

    private sealed class GraphWriter(Random random, DecoderDimensions dims)
    {
        private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);

        public GraphProto Graph { get; } = new();

        private int H => dims.Hidden;

        public void DeclareSignature()
        {
            var heads = dims.KvHeads.ToString(CultureInfo.InvariantCulture);
            var headDim = dims.HeadDim.ToString(CultureInfo.InvariantCulture);
            Graph.Input.Add(Tensor(TensorNames.InputIds, Int64Type, TensorNames.BatchDim, TensorNames.SequenceDim));
            Graph.Input.Add(Tensor(TensorNames.AttentionMask, Int64Type, TensorNames.BatchDim, TensorNames.TotalDim));
            Graph.Input.Add(Tensor(TensorNames.PositionIds, Int64Type, TensorNames.BatchDim, TensorNames.SequenceDim));
            for (var layer = 0; layer < dims.Layers; layer++)
            {
                Graph.Input.Add(Tensor(TensorNames.PastKey(layer), FloatType, TensorNames.BatchDim, heads, TensorNames.PastDim, headDim));
                Graph.Input.Add(Tensor(TensorNames.PastValue(layer), FloatType, TensorNames.BatchDim, heads, TensorNames.PastDim, headDim));
            }

            Graph.Output.Add(Tensor(TensorNames.Logits, FloatType, TensorNames.BatchDim, TensorNames.SequenceDim, dims.Vocab.ToString(CultureInfo.InvariantCulture)));
            for (var layer = 0; layer < dims.Layers; layer++)
            {
                Graph.Output.Add(Tensor(TensorNames.PresentKey(layer), FloatType, TensorNames.BatchDim, heads, TensorNames.TotalDim, headDim));
                Graph.Output.Add(Tensor(TensorNames.PresentValue(layer), FloatType, TensorNames.BatchDim, heads, TensorNames.TotalDim, headDim));
            }
        }

        /// <summary>
        /// Additive attention bias [batch, 1, sequence, total] from attention_mask and position_ids only, so
        /// every layer after a cut can recompute it from the inputs that travel with the activation.
        /// </summary>
        public string AttentionBias()
        {
            var seq = Op("Shape", "/model/mask/Shape", [IntAttribute("start", 1), IntAttribute("end", 2)], TensorNames.PositionIds);
            var total = Op("Shape", "/model/mask/Shape_1", [IntAttribute("start", 1), IntAttribute("end", 2)], TensorNames.AttentionMask);
            var past = Op("Sub", "/model/mask/Sub", total, seq);
            var zero = Int64Const(0);
            var one = Int64Const(1);
            var pastScalar = Op("Squeeze", "/model/mask/Squeeze", past, Int64Const1D(0));
            var totalScalar = Op("Squeeze", "/model/mask/Squeeze_1", total, Int64Const1D(0));
            var queries = Op("Range", "/model/mask/Range", pastScalar, totalScalar, one);
            var keys = Op("Range", "/model/mask/Range_1", zero, totalScalar, one);
            var queryColumn = Op("Unsqueeze", "/model/mask/Unsqueeze", queries, Int64Const1D(1));
            var keyRow = Op("Unsqueeze", "/model/mask/Unsqueeze_1", keys, Int64Const1D(0));
            var causal = Op("LessOrEqual", "/model/mask/LessOrEqual", keyRow, queryColumn);
            var padding = Op("Cast", "/model/mask/Cast", [new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Bool }], TensorNames.AttentionMask);
            var padding4 = Op("Unsqueeze", "/model/mask/Unsqueeze_2", padding, Int64Const1D(1, 2));
            var allowed = Op("And", "/model/mask/And", causal, padding4);
            return Op("Where", "/model/mask/Where", allowed, FloatConst(0f), FloatConst(-1e9f));
        }

        public (string Cos, string Sin) Rotary()
        {
            var half = dims.HeadDim / 2;
            var inverse = new float[half];
            for (var i = 0; i < half; i++)
            {
                inverse[i] = (float)(1.0 / Math.Pow(10000.0, 2.0 * i / dims.HeadDim));
            }

            var invFreq = Initializer("model.rotary_emb.inv_freq", inverse, half);
            var positions = Op("Cast", "/model/rotary_emb/Cast", [new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = FloatType }], TensorNames.PositionIds);
            var column = Op("Unsqueeze", "/model/rotary_emb/Unsqueeze", positions, Int64Const1D(2));
            var freqs = Op("Mul", "/model/rotary_emb/Mul", column, invFreq);
            var emb = Op("Concat", "/model/rotary_emb/Concat", [IntAttribute("axis", -1)], freqs, freqs);
            var cos = Op("Unsqueeze", "/model/rotary_emb/Unsqueeze_cos", Op("Cos", "/model/rotary_emb/Cos", emb), Int64Const1D(1));
            var sin = Op("Unsqueeze", "/model/rotary_emb/Unsqueeze_sin", Op("Sin", "/model/rotary_emb/Sin", emb), Int64Const1D(1));
            return (cos, sin);
        }

        public string Gpt2Block(int layer, string hidden, string mask)
        {
            var p = $"transformer.h.{layer}";
            var n = $"/transformer/h.{layer}";
            var x = LayerNorm($"{n}/ln_1", $"{p}.ln_1", hidden);
            var qkv = Linear($"{n}/attn/c_attn", $"{p}.attn.c_attn", x, H, 3 * H, bias: true);
            var split = $"{n}/attn/Split";
            Node("Split", split, [qkv, Int64Const1D(H, H, H)], [$"{split}_output_0", $"{split}_output_1", $"{split}_output_2"], IntAttribute("axis", 2));
            var q = Heads($"{n}/attn/q", $"{split}_output_0", dims.Heads);
            var k = Heads($"{n}/attn/k", $"{split}_output_1", dims.Heads);
            var v = Heads($"{n}/attn/v", $"{split}_output_2", dims.Heads);
            var attention = Attention($"{n}/attn", layer, q, k, v, mask);
            var projected = Linear($"{n}/attn/c_proj", $"{p}.attn.c_proj", attention, H, H, bias: true);
            var residual = Op("Add", $"{n}/Add", hidden, projected);
            var y = LayerNorm($"{n}/ln_2", $"{p}.ln_2", residual);
            var fc = Linear($"{n}/mlp/c_fc", $"{p}.mlp.c_fc", y, H, dims.Intermediate, bias: true);
            var gelu = GeluTanh($"{n}/mlp/act", fc);
            var down = Linear($"{n}/mlp/c_proj", $"{p}.mlp.c_proj", gelu, dims.Intermediate, H, bias: true);
            return Op("Add", $"{n}/Add_1", residual, down);
        }

        public string LlamaBlock(int layer, string hidden, string mask, string cos, string sin)
        {
            var p = $"model.layers.{layer}";
            var n = $"/model/layers.{layer}";
            var x = RmsNorm($"{n}/input_layernorm", $"{p}.input_layernorm.weight", hidden);
            var kvWidth = dims.KvHeads * dims.HeadDim;
            var q = Heads($"{n}/self_attn/q", Linear($"{n}/self_attn/q_proj", $"{p}.self_attn.q_proj", x, H, H, bias: false), dims.Heads);
            var k = Heads($"{n}/self_attn/k", Linear($"{n}/self_attn/k_proj", $"{p}.self_attn.k_proj", x, H, kvWidth, bias: false), dims.KvHeads);
            var v = Heads($"{n}/self_attn/v", Linear($"{n}/self_attn/v_proj", $"{p}.self_attn.v_proj", x, H, kvWidth, bias: false), dims.KvHeads);
            q = Rope($"{n}/self_attn/q_rope", q, cos, sin);
            k = Rope($"{n}/self_attn/k_rope", k, cos, sin);
            var attention = Attention($"{n}/self_attn", layer, q, k, v, mask);
            var projected = Linear($"{n}/self_attn/o_proj", $"{p}.self_attn.o_proj", attention, H, H, bias: false);
            var residual = Op("Add", $"{n}/Add", hidden, projected);
            var y = RmsNorm($"{n}/post_attention_layernorm", $"{p}.post_attention_layernorm.weight", residual);
            var gate = Linear($"{n}/mlp/gate_proj", $"{p}.mlp.gate_proj", y, H, dims.Intermediate, bias: false);
            var up = Linear($"{n}/mlp/up_proj", $"{p}.mlp.up_proj", y, H, dims.Intermediate, bias: false);
            var silu = Op("Mul", $"{n}/mlp/act_fn/Mul", gate, Op("Sigmoid", $"{n}/mlp/act_fn/Sigmoid", gate));
            var gated = Op("Mul", $"{n}/mlp/Mul", silu, up);
            var down = Linear($"{n}/mlp/down_proj", $"{p}.mlp.down_proj", gated, dims.Intermediate, H, bias: false);
            return Op("Add", $"{n}/Add_1", residual, down);
        }

        /// <summary>Scaled dot-product attention over the cache; writes present.N.key/value and returns [batch, seq, hidden].</summary>
        private string Attention(string n, int layer, string q, string k, string v, string mask)
        {
            Node("Concat", $"{n}/Concat_k", [TensorNames.PastKey(layer), k], [TensorNames.PresentKey(layer)], IntAttribute("axis", 2));
            Node("Concat", $"{n}/Concat_v", [TensorNames.PastValue(layer), v], [TensorNames.PresentValue(layer)], IntAttribute("axis", 2));
            var keys = RepeatKv($"{n}/repeat_k", TensorNames.PresentKey(layer));
            var values = RepeatKv($"{n}/repeat_v", TensorNames.PresentValue(layer));
            var kt = Op("Transpose", $"{n}/Transpose_k", [Perm(0, 1, 3, 2)], keys);
            var scores = Op("MatMul", $"{n}/MatMul", q, kt);
            var scaled = Op("Mul", $"{n}/Mul", scores, FloatConst((float)(1.0 / Math.Sqrt(dims.HeadDim))));
            var biased = Op("Add", $"{n}/Add_mask", scaled, mask);
            var probs = Op("Softmax", $"{n}/Softmax", [IntAttribute("axis", -1)], biased);
            var context = Op("MatMul", $"{n}/MatMul_1", probs, values);
            var merged = Op("Transpose", $"{n}/Transpose_out", [Perm(0, 2, 1, 3)], context);
            return Op("Reshape", $"{n}/Reshape_out", merged, Int64Const1D(0, 0, H));
        }

        private string RepeatKv(string n, string kv)
        {
            var groups = dims.Heads / dims.KvHeads;
            if (groups == 1)
            {
                return kv;
            }

            var expanded = Op("Unsqueeze", $"{n}/Unsqueeze", kv, Int64Const1D(2));
            var copies = Op("Concat", $"{n}/Concat", [IntAttribute("axis", 2)], Enumerable.Repeat(expanded, groups).ToArray());
            return Op("Reshape", $"{n}/Reshape", copies, Int64Const1D(0, dims.Heads, -1, dims.HeadDim));
        }

        private string Heads(string n, string x, int heads)
        {
            var split = Op("Reshape", $"{n}/Reshape", x, Int64Const1D(0, 0, heads, dims.HeadDim));
            return Op("Transpose", $"{n}/Transpose", [Perm(0, 2, 1, 3)], split);
        }

        private string Rope(string n, string x, string cos, string sin)
        {
            var half = dims.HeadDim / 2;
            Node("Split", $"{n}/Split", [x, Int64Const1D(half, half)], [$"{n}/Split_output_0", $"{n}/Split_output_1"], IntAttribute("axis", -1));
            var negated = Op("Neg", $"{n}/Neg", $"{n}/Split_output_1");
            var rotated = Op("Concat", $"{n}/Concat", [IntAttribute("axis", -1)], negated, $"{n}/Split_output_0");
            return Op("Add", $"{n}/Add", Op("Mul", $"{n}/Mul", x, cos), Op("Mul", $"{n}/Mul_1", rotated, sin));
        }

        public string LayerNorm(string n, string prefix, string x)
        {
            var gain = Initializer($"{prefix}.weight", Fill(H, () => 1f + (0.1f * Normal())), H);
            var bias = Initializer($"{prefix}.bias", Fill(H, () => 0.02f * Normal()), H);
            return Op("LayerNormalization", $"{n}/LayerNormalization", [IntAttribute("axis", -1), FloatAttribute("epsilon", 1e-5f)], x, gain, bias);
        }

        public string RmsNorm(string n, string weightName, string x)
        {
            var weight = Initializer(weightName, Fill(H, () => 1f + (0.1f * Normal())), H);
            var squared = Op("Pow", $"{n}/Pow", x, FloatConst(2f));
            var variance = Op("ReduceMean", $"{n}/ReduceMean", [Ints("axes", -1), IntAttribute("keepdims", 1)], squared);
            var root = Op("Sqrt", $"{n}/Sqrt", Op("Add", $"{n}/Add", variance, FloatConst(1e-5f)));
            var normalized = Op("Div", $"{n}/Div", x, root);
            return Op("Mul", $"{n}/Mul", weight, normalized);
        }

        private string GeluTanh(string n, string x)
        {
            // gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as GPT-2's export decomposes it.
            var cube = Op("Pow", $"{n}/Pow", x, FloatConst(3f));
            var inner = Op("Add", $"{n}/Add", x, Op("Mul", $"{n}/Mul", cube, FloatConst(0.044715f)));
            var tanh = Op("Tanh", $"{n}/Tanh", Op("Mul", $"{n}/Mul_1", inner, FloatConst((float)Math.Sqrt(2.0 / Math.PI))));
            var onePlus = Op("Add", $"{n}/Add_1", tanh, FloatConst(1f));
            return Op("Mul", $"{n}/Mul_3", Op("Mul", $"{n}/Mul_2", x, FloatConst(0.5f)), onePlus);
        }

        private string Linear(string n, string prefix, string x, int input, int output, bool bias)
        {
            var weight = Weight($"{prefix}.weight", (float)(1.0 / Math.Sqrt(input)), input, output);
            var product = Op("MatMul", $"{n}/MatMul", x, weight);
            return bias ? Op("Add", $"{n}/Add", product, Initializer($"{prefix}.bias", Fill(output, () => 0.02f * Normal()), output)) : product;
        }

        public string Gather(string n, string table, string indices) => Op("Gather", n, table, indices);

        public string Weight(string name, float std, int rows, int columns) =>
            Initializer(name, Fill(rows * columns, () => std * Normal()), rows, columns);

        public string Op(string op, string name, params string[] inputs) => Op(op, name, [], inputs);

        public string Op(string op, string name, AttributeProto[] attributes, params string[] inputs)
        {
            var output = $"{name}_output_0";
            Node(op, name, inputs, [output], attributes);
            return output;
        }

        public void Node(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes) =>
            Graph.Node.Add(OnnxBuilder.Node(op, name, inputs, outputs, attributes));

        public AttributeProto Perm(params long[] perm) => Ints("perm", perm);

        private static AttributeProto Ints(string name, params long[] values)
        {
            var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            attribute.Ints.AddRange(values);
            return attribute;
        }

        private static AttributeProto FloatAttribute(string name, float value) =>
            new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

        private string FloatConst(float value)
        {
            var key = "f:" + value.ToString("R", CultureInfo.InvariantCulture);
            if (!_constants.TryGetValue(key, out var name))
            {
                name = $"/Constant_{_constants.Count}_output_0";
                Graph.Initializer.Add(FloatScalar(name, value));
                _constants[key] = name;
            }

            return name;
        }

        private string Int64Const(long value)
        {
            var key = "s:" + value.ToString(CultureInfo.InvariantCulture);
            if (!_constants.TryGetValue(key, out var name))
            {
                name = $"/Constant_{_constants.Count}_output_0";
                Graph.Initializer.Add(Int64Scalar(name, value));
                _constants[key] = name;
            }

            return name;
        }

        private string Int64Const1D(params long[] values)
        {
            var key = "v:" + string.Join(',', values);
            if (!_constants.TryGetValue(key, out var name))
            {
                name = $"/Constant_{_constants.Count}_output_0";
                Graph.Initializer.Add(Int64Constant(name, values));
                _constants[key] = name;
            }

            return name;
        }

        private string Initializer(string name, float[] values, params int[] shape)
        {
            var tensor = new TensorProto { Name = name, DataType = FloatType, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
            tensor.Dims.AddRange(shape.Select(d => (long)d));
            Graph.Initializer.Add(tensor);
            return name;
        }

        private static float[] Fill(int count, Func<float> next)
        {
            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = next();
            }

            return values;
        }

        private float Normal()
        {
            // Box–Muller on the seeded generator: the same seed writes the same weights on every machine.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
    }
}
