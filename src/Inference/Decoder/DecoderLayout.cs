namespace EdgeSplit.Inference.Decoder;

/// <summary>The two decoder graph layouts that exporters produce.</summary>
public enum DecoderLayout
{
    /// <summary>GPT-2: LayerNorm, GELU (tanh) MLP, learned positions, tied LM head; parameters <c>transformer.h.N.</c>.</summary>
    Gpt2,

    /// <summary>Llama: RMSNorm, rotary positions, grouped-query attention, SwiGLU; parameters <c>model.layers.N.</c>.</summary>
    Llama,
}
