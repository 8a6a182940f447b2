using System.ComponentModel.DataAnnotations;
using EdgeSplit.Inference.Models;

namespace EdgeSplit.Gateway.Edge;

/// <summary>Settings of the edge node, bound from the configuration section <c>EdgeSplit:Edge</c> and validated at start.</summary>
public sealed class EdgeNodeOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "EdgeSplit:Edge";

    /// <summary>How long a micro-batch waits for companions starting at the same stage (default 2 ms; 0 = never wait).</summary>
    [Range(0.0, 1000.0, ErrorMessage = "EdgeSplit:Edge:BatchWindowMs must be between 0 and 1000 (milliseconds).")]
    public double BatchWindowMs { get; set; } = 2;

    /// <summary>Most rows (sequences) in one micro-batch (default 32; 1 turns batching off).</summary>
    [Range(1, 1024, ErrorMessage = "EdgeSplit:Edge:MaxBatchRows must be between 1 and 1024.")]
    public int MaxBatchRows { get; set; } = 32;

    /// <summary>
    /// When true (default) a request reaching an idle node — nothing computing, nothing else queued — runs at
    /// once instead of waiting out the window; under load the window applies as usual.
    /// </summary>
    public bool DispatchWhenIdle { get; set; } = true;

    /// <summary>Micro-batches computed at the same time (default 1: one batch uses every ONNX Runtime thread).</summary>
    [Range(1, 64, ErrorMessage = "EdgeSplit:Edge:MaxConcurrentBatches must be between 1 and 64.")]
    public int MaxConcurrentBatches { get; set; } = 1;

    /// <summary>Requests admitted but not yet computing; beyond it the node answers RESOURCE_EXHAUSTED at once (default 256).</summary>
    [Range(1, 1_000_000, ErrorMessage = "EdgeSplit:Edge:MaxQueue must be between 1 and 1000000.")]
    public int MaxQueue { get; set; } = 256;

    /// <summary>Longest accepted sequence in tokens (default 256).</summary>
    [Range(1, 8192, ErrorMessage = "EdgeSplit:Edge:MaxSequence must be between 1 and 8192.")]
    public int MaxSequence { get; set; } = 256;

    /// <summary>Most rows in one request (default 32).</summary>
    [Range(1, 1024, ErrorMessage = "EdgeSplit:Edge:MaxRowsPerRequest must be between 1 and 1024.")]
    public int MaxRowsPerRequest { get; set; } = 32;

    /// <summary>Largest gRPC message the node reads, in bytes (default 16 MiB); larger ones get RESOURCE_EXHAUSTED from gRPC.</summary>
    [Range(1024, 1 << 30, ErrorMessage = "EdgeSplit:Edge:MaxMessageBytes must be between 1024 and 1073741824.")]
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Bytes one InferStream may hold in the node (default 4 MiB): replies computed but not yet taken by the client,
    /// plus the requests read and not yet answered (their wire size and the reply each will produce). At the budget the
    /// node stops reading the stream until the client takes its replies (HTTP/2 flow control then holds the sender),
    /// so a stream holds at most this plus one request's worth. Memory returns when the stream ends.
    /// </summary>
    [Range(64 * 1024, 1 << 30, ErrorMessage = "EdgeSplit:Edge:MaxStreamReplyBytes must be between 65536 and 1073741824.")]
    public int MaxStreamReplyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Largest magnitude accepted in an activation, after decoding (default 65504, the largest finite F16 value, far
    /// above what an encoder's hidden state holds); larger values get INVALID_ARGUMENT before any compute. Values much
    /// larger (around 1e19) overflow inside the model into NaN; the node also checks every output, whatever this is.
    /// </summary>
    [Range(1.0, 3.0e38, ErrorMessage = "EdgeSplit:Edge:MaxActivationMagnitude must be between 1 and 3e38.")]
    public double MaxActivationMagnitude { get; set; } = 65504;

    /// <summary>Accept token ids (cut 0, the cloud-only baseline); default true — the device decides whether to send them.</summary>
    public bool AllowTokenIds { get; set; } = true;

    /// <summary>ONNX Runtime intra-op threads per stage session (default 0 = one per physical core).</summary>
    [Range(0, 256, ErrorMessage = "EdgeSplit:Edge:IntraOpThreads must be between 0 and 256.")]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// ONNX Runtime's CPU memory arena for the stage sessions (default false). With it, the largest batch a client ever
    /// sent stays allocated for the life of the process; without it, memory follows the work in flight.
    /// </summary>
    public bool CpuMemoryArena { get; set; }

    /// <summary>Smallest retry-after hint sent with RESOURCE_EXHAUSTED, in milliseconds (default 5).</summary>
    [Range(1, 60_000, ErrorMessage = "EdgeSplit:Edge:RetryAfterMinMs must be between 1 and 60000.")]
    public int RetryAfterMinMs { get; set; } = 5;

    /// <summary>Weight of the newest sample in the per-stage cost averages (default 0.2).</summary>
    [Range(0.001, 1.0, ErrorMessage = "EdgeSplit:Edge:EwmaAlpha must be in (0, 1].")]
    public double EwmaAlpha { get; set; } = 0.2;

    /// <summary>
    /// ONNX encoder to serve instead of the bundled all-MiniLM-L6-v2 (needs <see cref="VocabPath"/>), or a decoder
    /// model.onnx (past_key_values inputs), which the Generate service serves while Infer keeps the bundled encoder.
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>WordPiece vocab.txt of <see cref="ModelPath"/>.</summary>
    public string? VocabPath { get; set; }

    /// <summary>Pooling of <see cref="ModelPath"/> (default mean).</summary>
    public PoolingMode Pooling { get; set; } = PoolingMode.Mean;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A decoder (served by Generate) brings its tokenizer to the device, not to the node: no vocab needed.
        if (string.IsNullOrWhiteSpace(ModelPath) != string.IsNullOrWhiteSpace(VocabPath) && !EdgeSplit.Inference.Decoder.DecoderModel.IsDecoder(ModelPath))
        {
            yield return new ValidationResult(
                "EdgeSplit:Edge:ModelPath and EdgeSplit:Edge:VocabPath go together: set both for a user model, or neither for the bundled one.",
                [nameof(ModelPath), nameof(VocabPath)]);
        }

        if (!string.IsNullOrWhiteSpace(ModelPath) && !File.Exists(ModelPath))
        {
            yield return new ValidationResult($"EdgeSplit:Edge:ModelPath '{ModelPath}' does not exist.", [nameof(ModelPath)]);
        }

        if (!string.IsNullOrWhiteSpace(VocabPath) && !File.Exists(VocabPath))
        {
            yield return new ValidationResult($"EdgeSplit:Edge:VocabPath '{VocabPath}' does not exist.", [nameof(VocabPath)]);
        }
    }
}
