using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EdgeSplit.Contracts.V1;
using Google.Protobuf;

namespace EdgeSplit.Contracts.Wire;

/// <summary>
/// Encodes hidden states [batch, sequence, hidden] for the wire and decodes them back with full validation:
/// F32 and F16 are little-endian IEEE-754; I8 stores round(v / scale) per element with one float32 scale
/// per token (scale = max|v| / 127 over the token's hidden vector), so every token keeps its own range.
/// </summary>
public static class ActivationCodec
{
    /// <summary>Largest int8 magnitude used; -128 is never produced so the code is symmetric.</summary>
    private const float I8Max = 127f;

    /// <summary>
    /// An int8 element further than this many RMS from zero is an outlier and travels exactly: BERT-style
    /// hidden states have a few such channels, and without the escape they alone set every token's scale.
    /// </summary>
    public const float OutlierRmsMultiple = 6f;

    /// <summary>Bytes per element of <paramref name="encoding"/>.</summary>
    public static int BytesPerElement(Encoding encoding) => encoding switch
    {
        Encoding.F32 => 4,
        Encoding.F16 => 2,
        Encoding.I8 => 1,
        _ => throw new ActivationFormatException($"unknown encoding {(int)encoding}; expected ENCODING_F32, ENCODING_F16 or ENCODING_I8."),
    };

    /// <summary>Whether the encoding is one this codec understands.</summary>
    public static bool IsKnown(Encoding encoding) => encoding is Encoding.F32 or Encoding.F16 or Encoding.I8;

    /// <summary>Encodes a row-major [batch, sequence, hidden] float tensor.</summary>
    public static Tensor Encode(ReadOnlySpan<float> values, int batch, int sequence, int hidden, Encoding encoding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        var elements = (long)batch * sequence * hidden;
        if (values.Length != elements)
        {
            throw new ArgumentException($"{values.Length} values do not fill [{batch}, {sequence}, {hidden}] ({elements}).", nameof(values));
        }

        var index = IndexOfNonFinite(values);
        if (index >= 0)
        {
            throw new ArgumentException($"value {index} is {values[index]}: activations must be finite.", nameof(values));
        }

        if (elements > int.MaxValue)
        {
            throw new ArgumentException($"[{batch}, {sequence}, {hidden}] is too large for one tensor.", nameof(values));
        }

        var tensor = new Tensor { Encoding = encoding };
        tensor.Shape.Add(batch);
        tensor.Shape.Add(sequence);
        tensor.Shape.Add(hidden);
        var bytes = new byte[elements * BytesPerElement(encoding)];
        switch (encoding)
        {
            case Encoding.F32:
                WriteF32(values, bytes);
                break;
            case Encoding.F16:
                WriteF16(values, bytes);
                break;
            default:
                tensor.Scales.AddRange(WriteI8(values, hidden, bytes, tensor));
                break;
        }

        tensor.Data = UnsafeByteOperations.UnsafeWrap(bytes);
        return tensor;
    }

    /// <summary>
    /// Checks a tensor's shape against the expected hidden size and limits and returns (batch, sequence);
    /// throws <see cref="ActivationFormatException"/> naming the first problem.
    /// </summary>
    public static (int Batch, int Sequence) ValidateShape(Tensor tensor, int hidden, int maxBatch, int maxSequence)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Shape.Count != 3)
        {
            throw new ActivationFormatException($"activation has rank {tensor.Shape.Count} (shape [{string.Join(", ", tensor.Shape)}]); expected rank 3 [batch, sequence, {hidden}].");
        }

        var (b, s, h) = (tensor.Shape[0], tensor.Shape[1], tensor.Shape[2]);
        if (h != hidden)
        {
            throw new ActivationFormatException($"activation hidden size is {h}; this model's hidden size is {hidden}.");
        }

        if (b < 1 || b > maxBatch)
        {
            throw new ActivationFormatException($"activation batch is {b}; it must be between 1 and {maxBatch}.");
        }

        if (s < 1 || s > maxSequence)
        {
            throw new ActivationFormatException($"activation sequence length is {s}; it must be between 1 and {maxSequence}.");
        }

        if (!IsKnown(tensor.Encoding))
        {
            throw new ActivationFormatException($"unknown encoding {(int)tensor.Encoding}; expected ENCODING_F32, ENCODING_F16 or ENCODING_I8.");
        }

        var expected = b * s * h * BytesPerElement(tensor.Encoding);
        if (tensor.Data.Length != expected)
        {
            throw new ActivationFormatException(
                $"activation data has {tensor.Data.Length} bytes; shape [{b}, {s}, {h}] in {Name(tensor.Encoding)} needs {expected}.");
        }

        var scales = tensor.Encoding == Encoding.I8 ? b * s : 0;
        if (tensor.Scales.Count != scales)
        {
            throw new ActivationFormatException(tensor.Encoding == Encoding.I8
                ? $"int8 activation has {tensor.Scales.Count} scales; shape [{b}, {s}, {h}] needs one per token ({scales})."
                : $"{Name(tensor.Encoding)} activation carries {tensor.Scales.Count} scales; only ENCODING_I8 uses scales.");
        }

        if (tensor.OutlierIndex.Count != tensor.OutlierValue.Count)
        {
            throw new ActivationFormatException($"activation has {tensor.OutlierIndex.Count} outlier indices but {tensor.OutlierValue.Count} outlier values.");
        }

        if (tensor.OutlierIndex.Count > 0 && tensor.Encoding != Encoding.I8)
        {
            throw new ActivationFormatException($"{Name(tensor.Encoding)} activation carries outliers; only ENCODING_I8 uses them.");
        }

        var elements = b * s * h;
        var previous = -1L;
        for (var i = 0; i < tensor.OutlierIndex.Count; i++)
        {
            var index = tensor.OutlierIndex[i];
            if (index <= previous || index >= elements)
            {
                throw new ActivationFormatException(
                    $"outlier_index[{i}] is {index}; indices must be strictly increasing and below {elements} (the element count).");
            }

            previous = index;
        }

        return ((int)b, (int)s);
    }

    /// <summary>Validates and decodes a tensor into a new float array (see <see cref="DecodeInto"/>).</summary>
    public static float[] Decode(Tensor tensor, int hidden, int maxBatch, int maxSequence)
    {
        var (batch, sequence) = ValidateShape(tensor, hidden, maxBatch, maxSequence);
        var values = new float[batch * sequence * hidden];
        DecodeInto(tensor, hidden, values);
        return values;
    }

    /// <summary>
    /// Decodes a tensor whose shape <see cref="ValidateShape"/> accepted into <paramref name="destination"/>,
    /// rejecting NaN and infinity (in values or int8 scales).
    /// </summary>
    public static void DecodeInto(Tensor tensor, int hidden, Span<float> destination)
    {
        var source = tensor.Data.Span;
        switch (tensor.Encoding)
        {
            case Encoding.F32:
                ReadF32(source, destination);
                break;
            case Encoding.F16:
                ReadF16(source, destination);
                break;
            case Encoding.I8:
                ReadI8(source, tensor.Scales, hidden, destination);
                for (var i = 0; i < tensor.OutlierIndex.Count; i++)
                {
                    destination[tensor.OutlierIndex[i]] = tensor.OutlierValue[i];
                }

                break;
            default:
                throw new ActivationFormatException($"unknown encoding {(int)tensor.Encoding}.");
        }

        var bad = IndexOfNonFinite(destination);
        if (bad >= 0)
        {
            throw new ActivationFormatException(
                $"activation element {bad} (token {bad / hidden}, channel {bad % hidden}) is {Describe(destination[bad])}; activations must be finite.");
        }
    }

    /// <summary>
    /// Checks an attention mask of <paramref name="batch"/> x <paramref name="sequence"/>: only 0 and 1, and
    /// every row has at least one token (mean pooling over nothing is undefined).
    /// </summary>
    public static void ValidateMask(IReadOnlyList<long> mask, int batch, int sequence)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Count != batch * sequence)
        {
            throw new ActivationFormatException($"attention_mask has {mask.Count} values; [{batch}, {sequence}] needs {batch * sequence}.");
        }

        for (var row = 0; row < batch; row++)
        {
            var tokens = 0;
            for (var i = 0; i < sequence; i++)
            {
                var value = mask[(row * sequence) + i];
                if (value is not (0 or 1))
                {
                    throw new ActivationFormatException($"attention_mask[{row}, {i}] is {value}; only 0 and 1 are allowed.");
                }

                tokens += (int)value;
            }

            if (tokens == 0)
            {
                throw new ActivationFormatException($"attention_mask row {row} has no tokens.");
            }
        }
    }

    /// <summary>Index of the first NaN or infinity, or -1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Protocol name of an encoding.</summary>
    public static string Name(Encoding encoding) => encoding switch
    {
        Encoding.F32 => "ENCODING_F32",
        Encoding.F16 => "ENCODING_F16",
        Encoding.I8 => "ENCODING_I8",
        _ => $"encoding {(int)encoding}",
    };

    private static string Describe(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity";

    private static void WriteF32(ReadOnlySpan<float> values, Span<byte> bytes)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * 4)..], values[i]);
        }
    }

    private static void ReadF32(ReadOnlySpan<byte> bytes, Span<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values));
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        }
    }

    private static void WriteF16(ReadOnlySpan<float> values, Span<byte> bytes)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var half = (Half)values[i];
            if (Half.IsInfinity(half))
            {
                throw new ArgumentException($"value {i} ({values[i]}) overflows float16; use ENCODING_F32 or ENCODING_I8.", nameof(values));
            }

            BinaryPrimitives.WriteHalfLittleEndian(bytes[(i * 2)..], half);
        }
    }

    private static void ReadF16(ReadOnlySpan<byte> bytes, Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
        }
    }

    private static float[] WriteI8(ReadOnlySpan<float> values, int hidden, Span<byte> bytes, Tensor tensor)
    {
        var tokens = values.Length / hidden;
        var scales = new float[tokens];
        for (var t = 0; t < tokens; t++)
        {
            var row = values.Slice(t * hidden, hidden);
            var squares = 0.0;
            foreach (var v in row)
            {
                squares += (double)v * v;
            }

            var limit = OutlierRmsMultiple * (float)Math.Sqrt(squares / hidden);
            var max = 0f;
            for (var i = 0; i < hidden; i++)
            {
                var magnitude = MathF.Abs(row[i]);
                if (magnitude > limit)
                {
                    tensor.OutlierIndex.Add((t * hidden) + i);
                    tensor.OutlierValue.Add(row[i]);
                }
                else
                {
                    max = MathF.Max(max, magnitude);
                }
            }

            var scale = max / I8Max;
            scales[t] = scale;
            var inverse = scale > 0 ? 1f / scale : 0f;
            var target = bytes.Slice(t * hidden, hidden);
            for (var i = 0; i < hidden; i++)
            {
                // Outliers (beyond the limit) clamp here and are overwritten by their exact value on decode.
                target[i] = MathF.Abs(row[i]) > limit ? (byte)0 : (byte)(sbyte)Math.Clamp(MathF.Round(row[i] * inverse), -I8Max, I8Max);
            }
        }

        return scales;
    }

    private static void ReadI8(ReadOnlySpan<byte> bytes, IReadOnlyList<float> scales, int hidden, Span<float> values)
    {
        for (var t = 0; t < scales.Count; t++)
        {
            var scale = scales[t];
            if (!float.IsFinite(scale) || scale < 0)
            {
                throw new ActivationFormatException($"int8 scale of token {t} is {scale}; scales must be finite and non-negative.");
            }

            var source = bytes.Slice(t * hidden, hidden);
            var target = values.Slice(t * hidden, hidden);
            for (var i = 0; i < hidden; i++)
            {
                target[i] = (sbyte)source[i] * scale;
            }
        }
    }
}
