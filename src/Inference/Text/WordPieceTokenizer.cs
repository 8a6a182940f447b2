using Microsoft.ML.Tokenizers;

namespace EdgeSplit.Inference.Text;

/// <summary>
/// BERT WordPiece tokenization (Microsoft.ML.Tokenizers' BertTokenizer) configured like Hugging Face's
/// uncased BERT: lower-casing with accents stripped, [CLS] ... [SEP], truncation to a maximum length.
/// </summary>
public sealed class WordPieceTokenizer
{
    /// <summary>Default maximum number of tokens per text, [CLS] and [SEP] included.</summary>
    public const int DefaultMaxTokens = 256;

    private readonly BertTokenizer _tokenizer;

    /// <summary>Creates a tokenizer from a vocab.txt's bytes.</summary>
    public WordPieceTokenizer(byte[] vocab, int maxTokens = DefaultMaxTokens, bool lowerCase = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 3);
        MaxTokens = maxTokens;
        VocabSize = CountLines(vocab);
        using var stream = new MemoryStream(vocab, writable: false);
        _tokenizer = BertTokenizer.Create(stream, new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            RemoveNonSpacingMarks = lowerCase,
        });
    }

    /// <summary>Maximum tokens per text after truncation.</summary>
    public int MaxTokens { get; }

    /// <summary>Entries in the vocabulary.</summary>
    public int VocabSize { get; }

    /// <summary>Id of the padding token.</summary>
    public int PaddingId => _tokenizer.PaddingTokenId;

    /// <summary>Token ids of one text, truncated to <see cref="MaxTokens"/>.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("text is empty.", nameof(text));
        }

        return _tokenizer.EncodeToIds(text, MaxTokens, out _, out _);
    }

    /// <summary>Tokenizes and right-pads a batch to its longest member.</summary>
    public TokenBatch EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("no texts to encode.", nameof(texts));
        }

        var encoded = new List<IReadOnlyList<int>>(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                throw new ArgumentException(texts.Count == 1 ? "text is empty." : $"text {i + 1} of {texts.Count} is empty.", nameof(texts));
            }

            encoded.Add(_tokenizer.EncodeToIds(texts[i], MaxTokens, out _, out _));
        }

        var sequence = encoded.Max(e => e.Count);
        var ids = new long[texts.Count * sequence];
        var mask = new long[ids.Length];
        Array.Fill(ids, PaddingId);
        for (var row = 0; row < encoded.Count; row++)
        {
            for (var i = 0; i < encoded[row].Count; i++)
            {
                ids[(row * sequence) + i] = encoded[row][i];
                mask[(row * sequence) + i] = 1;
            }
        }

        return new TokenBatch(texts.Count, sequence, ids, mask, new long[ids.Length]);
    }

    private static int CountLines(byte[] vocab)
    {
        var lines = 0;
        var inLine = false;
        foreach (var b in vocab)
        {
            if (b == (byte)'\n')
            {
                lines += inLine ? 1 : 0;
                inLine = false;
            }
            else if (b != (byte)'\r')
            {
                inLine = true;
            }
        }

        return lines + (inLine ? 1 : 0);
    }
}
