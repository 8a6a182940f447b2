namespace EdgeSplit.Inference.Tests.Decoder;

public sealed class DecoderDimensionsTests
{
    [Fact]
    public void Parse_SmolLm2_GivesSmolLm2135MSizes()
    {
        var dims = DecoderDimensions.Parse("smollm2", DecoderLayout.Llama);

        Assert.Equal(new DecoderDimensions(Layers: 30, Hidden: 576, Heads: 9, KvHeads: 3, Intermediate: 1536, Vocab: 49152, MaxPositions: 2048), dims);
        Assert.Equal(64, dims.HeadDim);
    }

    [Fact]
    public void Parse_SmolLm2WithGpt2Layout_IsRefusedNamingTheLayout()
    {
        var ex = Assert.Throws<ArgumentException>(() => DecoderDimensions.Parse("smollm2", DecoderLayout.Gpt2));

        Assert.Contains("Llama-layout", ex.Message, StringComparison.Ordinal);
    }
}
