using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EdgeSplit.Contracts.V1;
using Google.Protobuf;

namespace EdgeSplit.Contracts.Wire;

/// <summary>
/// Encodes hidden states [batch, sequence, hidden] for the wire and decodes them back with full validation:
/// F32 and F16 are little-endian IEEE-754; I8 stores round(v / scale) per element with one float32 scale
/// per token (scale = max|v| / 127 over the token's hidden vector), so every token keeps its own range.
/// I4 packs two signed 4-bit codes per byte (midrise: value = (code + 0.5) * scale) with one float32 scale per
/// token chosen to minimise the token's squared error. I8 and I4 send outliers exactly.
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

    /// <summary>
    /// An int4 element further than this many RMS from zero is an outlier and travels exactly, the RMS taken over
    /// the token's elements within <see cref="OutlierRmsMultiple"/> RMS (so one huge channel does not hide the
    /// rest). With 16 levels the range matters far more than with 256; 4 escapes about 2.4 elements per 384-element
    /// token on the bundled model (int8: 1.4), which keeps the int4 tensor at about 54% of the int8 one's bytes.
    /// </summary>
    public const float I4OutlierRmsMultiple = 4f;

    /// <summary>
    /// Int4 scale candidates: the token's range (its largest non-outlier magnitude) times 0.50, 0.55, ..., 1.00,
    /// divided by 8; the one with the least squared error wins (clipping a few elements beats coarse steps for all).
    /// </summary>
    private const int I4ClipCandidates = 11;

    /// <summary>Int4 codes are -8..7; the decoded value is (code + 0.5) * scale, so all 16 codes are used symmetrically.</summary>
    private const int I4MinCode = -8;
    private const int I4MaxCode = 7;

    private const string Expected = "expected ENCODING_F32, ENCODING_F16, ENCODING_I8 or ENCODING_I4";

    /// <summary>Bytes of <see cref="Tensor.Data"/> for <paramref name="elements"/> values in <paramref name="encoding"/>.</summary>
    public static long DataBytes(Encoding encoding, long elements) => encoding switch
    {
        Encoding.F32 => elements * 4,
        Encoding.F16 => elements * 2,
        Encoding.I8 => elements,
        Encoding.I4 => (elements + 1) / 2,
        _ => throw new ActivationFormatException($"unknown encoding {(int)encoding}; {Expected}."),
    };

    /// <summary>Whether the encoding is one this codec understands.</summary>
    public static bool IsKnown(Encoding encoding) => encoding is Encoding.F32 or Encoding.F16 or Encoding.I8 or Encoding.I4;

    /// <summary>Whether the encoding quantises with one scale per token (and may carry outliers).</summary>
    public static bool IsScaled(Encoding encoding) => encoding is Encoding.I8 or Encoding.I4;

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
        var bytes = new byte[DataBytes(encoding, elements)];
        if (IsScaled(encoding))
        {
            tensor.Scales.AddRange(WriteScaled(values, hidden, bytes, tensor, encoding));
        }
        else if (encoding == Encoding.F16)
        {
            WriteF16(values, bytes);
        }
        else
        {
            WriteF32(values, bytes);
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
            throw new ActivationFormatException($"unknown encoding {(int)tensor.Encoding}; {Expected}.");
        }

        var expected = DataBytes(tensor.Encoding, b * s * h);
        if (tensor.Data.Length != expected)
        {
            throw new ActivationFormatException(
                $"activation data has {tensor.Data.Length} bytes; shape [{b}, {s}, {h}] in {Name(tensor.Encoding)} needs {expected}.");
        }

        var scaled = IsScaled(tensor.Encoding);
        var scales = scaled ? b * s : 0;
        if (tensor.Scales.Count != scales)
        {
            throw new ActivationFormatException(scaled
                ? $"{Name(tensor.Encoding)} activation has {tensor.Scales.Count} scales; shape [{b}, {s}, {h}] needs one per token ({scales})."
                : $"{Name(tensor.Encoding)} activation carries {tensor.Scales.Count} scales; only ENCODING_I8 and ENCODING_I4 use scales.");
        }

        if (tensor.OutlierIndex.Count != tensor.OutlierValue.Count)
        {
            throw new ActivationFormatException($"activation has {tensor.OutlierIndex.Count} outlier indices but {tensor.OutlierValue.Count} outlier values.");
        }

        if (tensor.OutlierIndex.Count > 0 && !scaled)
        {
            throw new ActivationFormatException($"{Name(tensor.Encoding)} activation carries outliers; only ENCODING_I8 and ENCODING_I4 use them.");
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
    /// rejecting NaN and infinity (in values or int8/int4 scales).
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
                WriteOutliers(tensor, destination);
                break;
            case Encoding.I4:
                ReadI4(source, tensor.Scales, hidden, destination);
                WriteOutliers(tensor, destination);
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
        Encoding.I4 => "ENCODING_I4",
        _ => $"encoding {(int)encoding}",
    };

    private static void WriteOutliers(Tensor tensor, Span<float> destination)
    {
        for (var i = 0; i < tensor.OutlierIndex.Count; i++)
        {
            destination[tensor.OutlierIndex[i]] = tensor.OutlierValue[i];
        }
    }

    private static void CheckScale(float scale, int token, Encoding encoding)
    {
        if (!float.IsFinite(scale) || scale < 0)
        {
            throw new ActivationFormatException(
                $"{(encoding == Encoding.I8 ? "int8" : "int4")} scale of token {token} is {scale}; scales must be finite and non-negative.");
        }
    }

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

    /// <summary>
    /// Quantises each token of a row-major [tokens, hidden] tensor with its own scale: elements beyond the encoding's
    /// outlier limit travel exactly in the tensor's outliers, the rest set the token's range.
    /// </summary>
    private static float[] WriteScaled(ReadOnlySpan<float> values, int hidden, Span<byte> bytes, Tensor tensor, Encoding encoding)
    {
        var scales = new float[values.Length / hidden];
        var outlier = new bool[hidden];
        for (var t = 0; t < scales.Length; t++)
        {
            var row = values.Slice(t * hidden, hidden);
            var rms = Rms(row, float.PositiveInfinity);

            // int4's limit uses a robust RMS: the token's RMS without the elements int8 would already escape.
            var limit = encoding == Encoding.I8 ? OutlierRmsMultiple * rms : I4OutlierRmsMultiple * Rms(row, OutlierRmsMultiple * rms);
            var max = SplitOutliers(row, limit, t * hidden, tensor, outlier);
            scales[t] = encoding == Encoding.I8
                ? WriteI8Row(row, outlier, max, bytes.Slice(t * hidden, hidden))
                : WriteI4Row(row, outlier, max, bytes, t * hidden);
        }

        return scales;
    }

    /// <summary>One token as int8 codes (scale: its largest non-outlier magnitude over 127); returns the scale.</summary>
    private static float WriteI8Row(ReadOnlySpan<float> row, ReadOnlySpan<bool> outlier, float max, Span<byte> target)
    {
        var scale = max / I8Max;
        var inverse = scale > 0 ? 1f / scale : 0f;
        for (var i = 0; i < row.Length; i++)
        {
            // Outliers get code 0 here and are overwritten by their exact value on decode.
            target[i] = outlier[i] ? (byte)0 : (byte)(sbyte)Math.Clamp(MathF.Round(row[i] * inverse), -I8Max, I8Max);
        }

        return scale;
    }

    private static void ReadI8(ReadOnlySpan<byte> bytes, IReadOnlyList<float> scales, int hidden, Span<float> values)
    {
        for (var t = 0; t < scales.Count; t++)
        {
            var scale = scales[t];
            CheckScale(scale, t, Encoding.I8);

            var source = bytes.Slice(t * hidden, hidden);
            var target = values.Slice(t * hidden, hidden);
            for (var i = 0; i < hidden; i++)
            {
                target[i] = (sbyte)source[i] * scale;
            }
        }
    }

    /// <summary>
    /// One token as int4 codes, two to a byte from element <paramref name="offset"/> on, with the scale of the
    /// <see cref="I4ClipCandidates"/> that has the least squared error; returns the scale.
    /// </summary>
    private static float WriteI4Row(ReadOnlySpan<float> row, ReadOnlySpan<bool> outlier, float max, Span<byte> bytes, int offset)
    {
        var scale = 0f;
        var least = double.MaxValue;
        for (var c = 0; c < I4ClipCandidates && max > 0; c++)
        {
            var candidate = max * (0.5f + (0.05f * c)) / -I4MinCode;
            var inverse = 1f / candidate;
            if (!float.IsFinite(inverse))
            {
                continue; // a subnormal range: the token is zero to float precision
            }

            var error = 0.0;
            for (var i = 0; i < row.Length; i++)
            {
                if (!outlier[i])
                {
                    var difference = Dequantize4(Quantize4(row[i], inverse), candidate) - row[i];
                    error += (double)difference * difference;
                }
            }

            if (error < least)
            {
                (least, scale) = (error, candidate);
            }
        }

        var inverseScale = scale > 0 ? 1f / scale : 0f;
        for (var i = 0; i < row.Length; i++)
        {
            // Outliers get code 0 here and are overwritten by their exact value on decode.
            var code = outlier[i] ? 0 : Quantize4(row[i], inverseScale);
            var element = offset + i;
            bytes[element >> 1] |= (byte)((code & 0xF) << ((element & 1) * 4));
        }

        return scale;
    }

    /// <summary>Root mean square of the row's elements no larger than <paramref name="bound"/> in magnitude.</summary>
    private static float Rms(ReadOnlySpan<float> row, float bound)
    {
        var (squares, count) = (0.0, 0);
        foreach (var v in row)
        {
            if (MathF.Abs(v) <= bound)
            {
                squares += (double)v * v;
                count++;
            }
        }

        return (float)Math.Sqrt(squares / Math.Max(count, 1));
    }

    /// <summary>
    /// Sends the row's elements beyond <paramref name="limit"/> in magnitude to the tensor's exact outliers (indexed from
    /// <paramref name="offset"/>), marks them in <paramref name="outlier"/> and returns the largest magnitude left.
    /// </summary>
    private static float SplitOutliers(ReadOnlySpan<float> row, float limit, int offset, Tensor tensor, Span<bool> outlier)
    {
        var max = 0f;
        for (var i = 0; i < row.Length; i++)
        {
            var magnitude = MathF.Abs(row[i]);
            outlier[i] = magnitude > limit;
            if (outlier[i])
            {
                tensor.OutlierIndex.Add(offset + i);
                tensor.OutlierValue.Add(row[i]);
            }
            else
            {
                max = MathF.Max(max, magnitude);
            }
        }

        return max;
    }

    private static int Quantize4(float value, float inverse) => Math.Clamp((int)MathF.Floor(value * inverse), I4MinCode, I4MaxCode);

    private static float Dequantize4(int code, float scale) => (code + 0.5f) * scale;

    private static void ReadI4(ReadOnlySpan<byte> bytes, IReadOnlyList<float> scales, int hidden, Span<float> values)
    {
        for (var t = 0; t < scales.Count; t++)
        {
            var scale = scales[t];
            CheckScale(scale, t, Encoding.I4);
            for (var i = t * hidden; i < (t + 1) * hidden; i++)
            {
                // Sign-extend the nibble: shift it to the top of an int, then arithmetic-shift back.
                var code = (bytes[i >> 1] >> ((i & 1) * 4)) << 28 >> 28;
                values[i] = Dequantize4(code, scale);
            }
        }
    }
}
