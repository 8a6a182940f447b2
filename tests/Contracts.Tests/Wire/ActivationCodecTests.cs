using EdgeSplit.Contracts.V1;
using EdgeSplit.Contracts.Wire;
using Google.Protobuf;

namespace EdgeSplit.Contracts.Tests.Wire;

public sealed class ActivationCodecTests
{
    private const int Hidden = 384;

    [Theory]
    [InlineData(Encoding.F32, 8)]
    [InlineData(Encoding.F16, 4)]
    [InlineData(Encoding.I8, 2)]
    [InlineData(Encoding.I4, 1)]
    public void Encode_AnyEncoding_ByteLengthIsElementsTimesWidth(Encoding encoding, int halfBytes)
    {
        var values = RandomValues(2 * 5 * Hidden, seed: 1);

        var tensor = ActivationCodec.Encode(values, 2, 5, Hidden, encoding);

        Assert.Equal(2 * 5 * Hidden * halfBytes / 2, tensor.Data.Length);
        Assert.Equal([2L, 5L, Hidden], tensor.Shape);
        Assert.Equal(encoding is Encoding.I8 or Encoding.I4 ? 10 : 0, tensor.Scales.Count);
    }

    [Fact]
    public void Decode_F32_RoundTripsExactly()
    {
        var values = RandomValues(3 * 7 * Hidden, seed: 2);

        var decoded = ActivationCodec.Decode(ActivationCodec.Encode(values, 3, 7, Hidden, Encoding.F32), Hidden, 8, 64);

        Assert.Equal(values, decoded);
    }

    [Fact]
    public void Decode_F16_ErrorWithinHalfPrecision()
    {
        var values = RandomValues(4 * 9 * Hidden, seed: 3);

        var decoded = ActivationCodec.Decode(ActivationCodec.Encode(values, 4, 9, Hidden, Encoding.F16), Hidden, 8, 64);

        for (var i = 0; i < values.Length; i++)
        {
            // binary16 has an 11-bit significand: relative error <= 2^-11, plus subnormal spacing near zero.
            Assert.True(MathF.Abs(values[i] - decoded[i]) <= (MathF.Abs(values[i]) * 0.00049f) + 6e-8f, $"element {i}: {values[i]} vs {decoded[i]}");
        }
    }

    [Fact]
    public void Decode_I8_ErrorWithinHalfAStepPerToken()
    {
        var (values, tensor, decoded) = RoundTripUniform(Encoding.I8);

        for (var t = 0; t < 12; t++)
        {
            var scale = tensor.Scales[t];
            Assert.Equal(TokenMax(values, t) / 127f, scale, 6);
            for (var i = t * Hidden; i < (t + 1) * Hidden; i++)
            {
                Assert.True(MathF.Abs(values[i] - decoded[i]) <= (scale / 2) + 1e-6f, $"element {i}: {values[i]} vs {decoded[i]}");
            }
        }
    }

    [Fact]
    public void Encode_I8WithOutlierChannel_OutlierExactAndScaleFromTheRest()
    {
        var (values, tensor, decoded) = RoundTripWithOutliers(Encoding.I8);

        Assert.True(tensor.Scales[0] < 4.01f / 127f, $"scale {tensor.Scales[0]} must ignore the outlier");
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(MathF.Abs(values[i] - decoded[i]) <= (tensor.Scales[i / Hidden] / 2) + 1e-6f, $"element {i}");
        }
    }

    [Fact]
    public void Decode_I4_ErrorWithinHalfAStepOrClippedToTheEdgeLevel()
    {
        var (values, tensor, decoded) = RoundTripUniform(Encoding.I4);

        for (var t = 0; t < 12; t++)
        {
            var scale = tensor.Scales[t];
            var max = TokenMax(values, t);
            Assert.InRange(scale, (max * 0.5f / 8f) - 1e-6f, (max / 8f) + 1e-6f);
            for (var i = t * Hidden; i < (t + 1) * Hidden; i++)
            {
                var edge = 7.5f * scale;
                var expected = Math.Clamp(values[i], -edge, edge); // beyond the range the edge level is the answer
                Assert.True(MathF.Abs(expected - decoded[i]) <= (scale / 2) + 1e-5f, $"element {i}: {values[i]} vs {decoded[i]} (scale {scale})");
            }
        }
    }

    [Fact]
    public void Decode_I4HandBuilt_LowNibbleIsTheFirstElementAndCodesAreSigned()
    {
        // 0x8F: low nibble 0xF = -1 (element 0), high nibble 0x8 = -8 (element 1); 0x07: 7 then 0.
        var tensor = new Tensor { Encoding = Encoding.I4, Shape = { 1, 1, 4 }, Data = ByteString.CopyFrom(0x8F, 0x07), Scales = { 2f } };

        var decoded = ActivationCodec.Decode(tensor, 4, 1, 1);

        Assert.Equal([-1f, -15f, 15f, 1f], decoded);
    }

    [Fact]
    public void Encode_I4OddElementCount_PadsTheLastHighNibble()
    {
        float[] values = [1f, -2f, 3f, -4f, 5f];

        var tensor = ActivationCodec.Encode(values, 1, 1, 5, Encoding.I4);
        var decoded = ActivationCodec.Decode(tensor, 5, 1, 1);

        Assert.Equal(3, tensor.Data.Length);
        Assert.Equal(0, tensor.Data[2] >> 4);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(MathF.Abs(values[i] - decoded[i]) <= tensor.Scales[0] / 2, $"element {i}: {values[i]} vs {decoded[i]}");
        }
    }

    [Fact]
    public void Encode_I4WithOutlierChannel_OutlierExactAndScaleFromTheRest()
    {
        var (_, tensor, _) = RoundTripWithOutliers(Encoding.I4);

        Assert.True(tensor.Scales[0] <= 4.01f / 8f, $"scale {tensor.Scales[0]} must ignore the outlier");
    }

    [Fact]
    public void ValidateShape_I4WrongByteLength_NamesHalfABytePerElement()
    {
        var tensor = ActivationCodec.Encode(RandomValues(3 * Hidden, 10), 1, 3, Hidden, Encoding.I4);
        tensor.Data = ByteString.CopyFrom(new byte[3 * Hidden]);

        var error = ShapeError(tensor);

        Assert.Contains($"{3 * Hidden} bytes", error);
        Assert.Contains($"ENCODING_I4 needs {3 * Hidden / 2}", error);
    }

    [Fact]
    public void ValidateShape_I4OutliersNotIncreasing_Throws()
    {
        var tensor = ActivationCodec.Encode(RandomValues(Hidden, 12), 1, 1, Hidden, Encoding.I4);
        tensor.OutlierIndex.Add(9);
        tensor.OutlierValue.Add(1f);
        tensor.OutlierIndex.Add(9);
        tensor.OutlierValue.Add(2f);

        var error = ShapeError(tensor, 1, 1);

        Assert.Contains("outlier_index[1] is 9", error);
    }

    [Fact]
    public void Decode_I4NegativeScale_NamesToken()
    {
        var tensor = ActivationCodec.Encode(RandomValues(2 * Hidden, 13), 1, 2, Hidden, Encoding.I4);
        tensor.Scales[1] = -1f;

        var error = DecodeError(tensor, 1, 2);

        Assert.Contains("int4 scale of token 1 is -1", error);
    }

    [Fact]
    public void ValidateShape_F16WithScales_SaysOnlyQuantisedEncodingsUseThem()
    {
        var tensor = ActivationCodec.Encode(RandomValues(Hidden, 14), 1, 1, Hidden, Encoding.F16);
        tensor.Scales.Add(1f);

        var error = ShapeError(tensor, 1, 1);

        Assert.Contains("only ENCODING_I8 and ENCODING_I4 use scales", error);
    }

    [Fact]
    public void ValidateShape_OutlierIndexOutOfRange_Throws()
    {
        var tensor = I8WithOutlier(index: Hidden, value: 1f, seed: 8);

        var error = ShapeError(tensor, 1, 1);

        Assert.Contains("outlier_index[0]", error);
    }

    [Fact]
    public void Decode_NaNOutlierValue_Throws()
    {
        var tensor = I8WithOutlier(index: 3, value: float.NaN, seed: 9);

        var error = DecodeError(tensor, 1, 1);

        Assert.Contains("element 3", error);
    }

    [Theory]
    [InlineData(Encoding.I8)]
    [InlineData(Encoding.I4)]
    public void Decode_QuantisedAllZeroToken_DecodesZeros(Encoding encoding)
    {
        var decoded = ActivationCodec.Decode(ActivationCodec.Encode(new float[Hidden], 1, 1, Hidden, encoding), Hidden, 1, 1);

        Assert.All(decoded, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(Encoding.F32, float.NaN)]
    [InlineData(Encoding.F32, float.PositiveInfinity)]
    [InlineData(Encoding.F16, float.NaN)]
    [InlineData(Encoding.F16, float.NegativeInfinity)]
    public void Decode_NonFiniteValue_ThrowsNamingElement(Encoding encoding, float bad)
    {
        var tensor = ActivationCodec.Encode(new float[2 * Hidden], 1, 2, Hidden, encoding);
        var bytes = tensor.Data.ToByteArray();
        var offset = (int)ActivationCodec.DataBytes(encoding, Hidden + 3);
        if (encoding == Encoding.F32)
        {
            BitConverter.GetBytes(bad).CopyTo(bytes, offset);
        }
        else
        {
            BitConverter.GetBytes((Half)bad).CopyTo(bytes, offset);
        }

        tensor.Data = ByteString.CopyFrom(bytes);

        var error = DecodeError(tensor, 1, 2);
        Assert.Contains($"element {Hidden + 3}", error);
        Assert.Contains("finite", error);
    }

    [Fact]
    public void Decode_I8NaNScale_Throws()
    {
        var tensor = ActivationCodec.Encode(RandomValues(Hidden, 5), 1, 1, Hidden, Encoding.I8);
        tensor.Scales[0] = float.NaN;

        var error = DecodeError(tensor, 1, 1);

        Assert.Contains("scale", error);
    }

    [Fact]
    public void Encode_NonFiniteInput_Throws()
    {
        var values = new float[Hidden];
        values[7] = float.NaN;

        Assert.Throws<ArgumentException>(() => ActivationCodec.Encode(values, 1, 1, Hidden, Encoding.F32));
    }

    [Fact]
    public void ValidateShape_WrongRank_NamesRank()
    {
        var tensor = new Tensor { Encoding = Encoding.F32, Shape = { 1, Hidden } };

        var error = ShapeError(tensor);

        Assert.Contains("rank 2", error);
    }

    [Fact]
    public void ValidateShape_WrongHidden_NamesBothSizes()
    {
        var tensor = new Tensor { Encoding = Encoding.F32, Shape = { 1, 1, 100 }, Data = ByteString.CopyFrom(new byte[400]) };

        var error = ShapeError(tensor);

        Assert.Contains("100", error);
        Assert.Contains("384", error);
    }

    [Fact]
    public void ValidateShape_ShortData_NamesByteCounts()
    {
        var tensor = new Tensor { Encoding = Encoding.F16, Shape = { 1, 2, Hidden }, Data = ByteString.CopyFrom(new byte[10]) };

        var error = ShapeError(tensor);

        Assert.Contains("10 bytes", error);
        Assert.Contains((2 * Hidden * 2).ToString(System.Globalization.CultureInfo.InvariantCulture), error);
    }

    [Fact]
    public void ValidateShape_UnknownEncoding_Throws()
    {
        var tensor = new Tensor { Encoding = (Encoding)42, Shape = { 1, 1, Hidden } };

        var error = ShapeError(tensor);

        Assert.Contains("unknown encoding 42", error);
    }

    [Theory]
    [InlineData(0L, 4L)]
    [InlineData(5L, 4L)]
    [InlineData(1L, 17L)]
    [InlineData(1L, 0L)]
    [InlineData(long.MaxValue, 4L)]
    public void ValidateShape_DimensionOutOfRange_Throws(long batch, long sequence)
    {
        var tensor = new Tensor { Encoding = Encoding.F32, Shape = { batch, sequence, Hidden } };

        _ = ShapeError(tensor);
    }

    [Theory]
    [InlineData(Encoding.I8, "ENCODING_I8")]
    [InlineData(Encoding.I4, "ENCODING_I4")]
    public void ValidateShape_QuantisedMissingScales_NamesCountAndOnePerToken(Encoding encoding, string name)
    {
        var tensor = ActivationCodec.Encode(RandomValues(2 * Hidden, 6), 1, 2, Hidden, encoding);
        tensor.Scales.RemoveAt(1);

        var error = ShapeError(tensor);

        Assert.Contains($"{name} activation has 1 scales", error);
        Assert.Contains("one per token (2)", error);
    }

    [Fact]
    public void ValidateMask_WrongLength_Throws()
    {
        var error = MaskError([1, 1, 1], 1, 4);

        Assert.Contains("3 values", error);
    }

    [Fact]
    public void ValidateMask_ValueNotBinary_Throws()
    {
        var error = MaskError([1, 2], 1, 2);

        Assert.Contains("only 0 and 1", error);
    }

    [Fact]
    public void ValidateMask_EmptyRow_Throws()
    {
        var error = MaskError([1, 0, 0, 0], 2, 2);

        Assert.Contains("row 1 has no tokens", error);
    }

    [Theory]
    [InlineData(new long[] { 1, 1, 0, 1, 0, 0 }, 2, 3)]
    [InlineData(new long[] { 1, 1, 1, 1, 1, 1, 0, 0 }, 2, 4)]
    [InlineData(new long[] { 1, 0, 0, 0, 0 }, 1, 5)]
    public void ValidateMask_PaddedRows_Accepts(long[] mask, int batch, int sequence)
    {
        // Accepted as sent; the boundary beside it (the shortest row losing its one token) is refused, naming the row.
        ActivationCodec.ValidateMask(mask, batch, sequence);
        var shortest = Enumerable.Range(0, batch).MinBy(row => mask.Skip(row * sequence).Take(sequence).Sum());
        var emptied = (long[])mask.Clone();
        Array.Clear(emptied, shortest * sequence, sequence);

        var error = MaskError(emptied, batch, sequence);

        Assert.Contains($"row {shortest} has no tokens", error, StringComparison.Ordinal);
    }

    /// <summary>Two rows of six uniform tokens through <paramref name="encoding"/>; uniform values have no outliers.</summary>
    private static (float[] Values, Tensor Tensor, float[] Decoded) RoundTripUniform(Encoding encoding)
    {
        var values = RandomValues(2 * 6 * Hidden, seed: 4);

        var tensor = ActivationCodec.Encode(values, 2, 6, Hidden, encoding);
        var decoded = ActivationCodec.Decode(tensor, Hidden, 8, 64);

        Assert.Empty(tensor.OutlierIndex);
        return (values, tensor, decoded);
    }

    /// <summary>Two tokens with one outlier channel each (90 and -75), which must come back exact and be listed.</summary>
    private static (float[] Values, Tensor Tensor, float[] Decoded) RoundTripWithOutliers(Encoding encoding)
    {
        var values = RandomValues(2 * Hidden, seed: 7);
        values[5] = 90f;
        values[Hidden + 17] = -75f;

        var tensor = ActivationCodec.Encode(values, 1, 2, Hidden, encoding);
        var decoded = ActivationCodec.Decode(tensor, Hidden, 1, 2);

        Assert.Equal([5, Hidden + 17], tensor.OutlierIndex);
        Assert.Equal(90f, decoded[5]);
        Assert.Equal(-75f, decoded[Hidden + 17]);
        return (values, tensor, decoded);
    }

    /// <summary>One int8 token with one more outlier appended as sent, unchecked.</summary>
    private static Tensor I8WithOutlier(int index, float value, int seed)
    {
        var tensor = ActivationCodec.Encode(RandomValues(Hidden, seed), 1, 1, Hidden, Encoding.I8);
        tensor.OutlierIndex.Add(index);
        tensor.OutlierValue.Add(value);
        return tensor;
    }

    /// <summary>The message ValidateShape refuses <paramref name="tensor"/> with.</summary>
    private static string ShapeError(Tensor tensor, int maxBatch = 4, int maxSequence = 16) =>
        Assert.Throws<ActivationFormatException>(() => ActivationCodec.ValidateShape(tensor, Hidden, maxBatch, maxSequence)).Message;

    /// <summary>The message Decode refuses <paramref name="tensor"/> with.</summary>
    private static string DecodeError(Tensor tensor, int maxBatch, int maxSequence) =>
        Assert.Throws<ActivationFormatException>(() => ActivationCodec.Decode(tensor, Hidden, maxBatch, maxSequence)).Message;

    /// <summary>The message ValidateMask refuses <paramref name="mask"/> with.</summary>
    private static string MaskError(long[] mask, int batch, int sequence) =>
        Assert.Throws<ActivationFormatException>(() => ActivationCodec.ValidateMask(mask, batch, sequence)).Message;

    private static float TokenMax(float[] values, int token) => values.AsSpan(token * Hidden, Hidden).ToArray().Max(MathF.Abs);

    private static float[] RandomValues(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 8) - 4);
        }

        return values;
    }
}
