namespace EdgeSplit.Inference.Tests.Text;

[Collection(ModelCollection.Name)]
public sealed class WordPieceTokenizerTests(ModelFixture fixture)
{
    private readonly WordPieceTokenizer _tokenizer = fixture.Model.Tokenizer;

    [Fact]
    public void Encode_MixedCaseAndAccents_LowerCasesAndStripsAccentsLikeUncasedBert()
    {
        Assert.Equal(_tokenizer.Encode("hello cafe"), _tokenizer.Encode("HÉLLO Café"));
        Assert.Equal([101, 7592, 2088, 102], _tokenizer.Encode("Hello World"));
    }

    [Fact]
    public void Encode_LongText_TruncatedToMaxTokens()
    {
        var text = string.Join(' ', Enumerable.Repeat("edge", 1000));

        var ids = _tokenizer.Encode(text);

        Assert.Equal(WordPieceTokenizer.DefaultMaxTokens, ids.Count);
        Assert.Equal(102, ids[^1]);
    }

    [Fact]
    public void Encode_CustomMaxTokens_Respected()
    {
        var small = new WordPieceTokenizer(fixture.Source.VocabBytes, maxTokens: 8);

        Assert.Equal(8, small.Encode("one two three four five six seven eight nine ten").Count);
    }

    [Fact]
    public void EncodeBatch_MixedLengths_PadsWithMaskZero()
    {
        var batch = _tokenizer.EncodeBatch(["a", "a much longer sentence than the first"]);

        Assert.Equal(2, batch.Batch);
        Assert.Equal(3, batch.Length(0));
        Assert.Equal(batch.Sequence, batch.Length(1));
        Assert.Equal(0, batch.AttentionMask[batch.Sequence - 1]);
        Assert.Equal(_tokenizer.PaddingId, batch.InputIds[batch.Sequence - 1]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EncodeBatch_EmptyText_ThrowsNamingIt(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => _tokenizer.EncodeBatch(["fine", text]));

        Assert.Contains("text 2 of 2 is empty", error.Message);
    }
}
