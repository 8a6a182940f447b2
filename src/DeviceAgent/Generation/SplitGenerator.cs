using System.Diagnostics;
using System.Runtime.CompilerServices;
using EdgeSplit.Inference.Decoder;

namespace EdgeSplit.DeviceAgent.Generation;

/// <summary>
/// Generates on the device, alone or with an edge running the tail. With a cut k the device runs [0,k) with
/// its own KV cache and keeps the cut activation of every position. When the edge fails (dies, goes silent,
/// refuses) the device rebuilds the tail's KV from those rows with one prefill of [k,N) — never rerunning
/// [0,k) — and goes on locally; with greedy sampling the tokens are the ones an uninterrupted run gives.
/// </summary>
/// <param name="model">The decoder, loaded on the device.</param>
/// <param name="edge">Where to open sessions for the tail; null generates on the device only.</param>
public sealed class SplitGenerator(DecoderModel model, IGenerationLinkFactory? edge = null)
{
    /// <summary>Called with the failure that moved a session to the device.</summary>
    public Action<Exception>? OnFailover { get; init; }

    /// <summary>Positions the device ran through stages [0, k) (each position once, whatever the edge did).</summary>
    public int HeadPositions { get; private set; }

    /// <summary>Times the tail's KV was rebuilt on the device from the retained cut rows (one prefill of [k, N) each).</summary>
    public int TailRebuilds { get; private set; }

    /// <summary>
    /// Picks the session's cut the way <c>generate --split auto</c> does: measures this device's per-stage prefill and
    /// decode costs (one warm-up, then one prefill and one decode step) and, with an edge, the edge's tail time per
    /// token, the round trip and the link's throughput (a probe session at cut 1: one prefill, three decode steps);
    /// then predicts local and every cut for the request's prompt and length and picks the smallest total time.
    /// The request's own cut is ignored: generate with <c>request with { Cut = plan.Cut }</c>. An edge that cannot be
    /// reached or refuses the session, or one behind a link other than <see cref="GenerationLinkFactory"/>'s (whose
    /// replies carry the node's own time), is not measured: the plan is local, <see cref="GenerationPlan.EdgeMeasured"/>
    /// is false, and the reason names the failure.
    /// </summary>
    public async Task<GenerationPlan> PlanAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ValidatePrompt(request);
        var (prefill, decode) = GenerationPlanner.MeasureDevice(model, request.Prompt);
        var (edgeCosts, edgeFailure) = edge is null ? (null, null) : await GenerationPlanner.MeasureEdgeAsync(model, edge, request.Prompt, cancellationToken);
        var costs = new GenerationCosts(prefill, decode, edgeCosts?.PrefillMsPerToken, edgeCosts?.DecodeMs, edgeCosts?.RoundTripMs ?? 0, edgeCosts?.BytesPerMs ?? 1);
        return GenerationPlanner.Plan(costs, model.StageCount, model.Manifest.HiddenSize, request.Prompt.Count, request.MaxNewTokens, edgeFailure);
    }

    /// <summary>Generates the tokens one by one.</summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ValidatePrompt(request);
        request.Sampling.Validate();
        var stages = model.StageCount;
        var cut = request.Cut ?? stages;
        if (cut < 1 || cut > stages)
        {
            throw new ArgumentException($"cut {cut} is out of range: this decoder has {stages} stages (1..{stages}).");
        }

        var width = model.Manifest.HiddenSize;
        var head = model.NewCache(0, cut);
        var retained = new List<float>();
        KvCache? tail = null;
        IGenerationLink? link = null;
        var emitted = string.Empty;
        var ids = new List<int>(request.Prompt);
        var clock = Stopwatch.StartNew();
        try
        {
            if (cut < stages && edge is not null)
            {
                try
                {
                    link = await edge.OpenAsync(model.ModelHash, cut, request.Sampling, cancellationToken);
                }
                catch (Exception ex) when (IsEdgeFailure(ex, cancellationToken))
                {
                    OnFailover?.Invoke(ex);
                }
            }

            var input = request.Prompt.Select(i => (long)i).ToArray();
            for (var n = 0; n < request.MaxNewTokens; n++)
            {
                var position = ids.Count - input.Length;
                var hidden = model.Forward(0, cut, [head], input, null, input.Length);
                HeadPositions += input.Length;
                int token;
                GenerationRoute route;
                if (cut == stages)
                {
                    token = TokenSampler.Sample(hidden, request.Sampling, ids.Count);
                    route = GenerationRoute.Local;
                }
                else
                {
                    retained.AddRange(hidden);
                    int? remote = null;
                    if (link is not null)
                    {
                        try
                        {
                            remote = n == 0
                                ? await link.PrefillAsync(hidden, input.Length, cancellationToken)
                                : await link.StepAsync(hidden, position, cancellationToken);
                        }
                        catch (Exception ex) when (IsEdgeFailure(ex, cancellationToken))
                        {
                            OnFailover?.Invoke(ex);
                            await link.DisposeAsync();
                            link = null;
                        }
                    }

                    if (remote is int r)
                    {
                        token = r;
                        route = GenerationRoute.Edge;
                    }
                    else
                    {
                        float[] logits;
                        if (tail is null)
                        {
                            // Rebuild the tail's cache from every retained cut row: one prefill of [k, N).
                            tail = model.NewCache(cut, stages);
                            TailRebuilds++;
                            logits = model.Forward(cut, stages, [tail], null, retained.ToArray(), retained.Count / width);
                        }
                        else
                        {
                            logits = model.Forward(cut, stages, [tail], null, hidden, input.Length);
                        }

                        token = TokenSampler.Sample(logits, request.Sampling, ids.Count);
                        route = edge is null ? GenerationRoute.Local : GenerationRoute.Failover;
                    }
                }

                ids.Add(token);
                var text = model.Tokenizer.DecodeIncrement(ids.Skip(request.Prompt.Count).ToList(), ref emitted);
                yield return new GeneratedToken(token, text, route, clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                input = [token];
            }
        }
        finally
        {
            if (link is not null)
            {
                await link.DisposeAsync();
            }
        }
    }

    private static bool IsEdgeFailure(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is not ArgumentException;

    private void ValidatePrompt(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Prompt.Count == 0)
        {
            throw new ArgumentException("the prompt has no tokens.");
        }

        foreach (var id in request.Prompt.Where(id => id < 0 || id >= model.Manifest.VocabSize).Take(1))
        {
            throw new ArgumentException($"prompt token {id} has no row in this decoder's {model.Manifest.VocabSize}-token vocabulary: the tokenizer does not belong to the model.");
        }
    }
}
