namespace EdgeSplit.Inference.Tests;

internal static class Corpus
{
    /// <summary>Eight texts of very different lengths, so a batch has real padding.</summary>
    public static readonly string[] MixedLengths =
    [
        "Hi.",
        "The train to Lyon leaves from platform four at noon.",
        "Battery low.",
        "Our field engineers replaced the cooling fan on the edge rack after the temperature alarm went off twice during the night shift, and the node has been stable since.",
        "Where is the nearest pharmacy?",
        "Split inference runs the first layers on the phone and the rest on a nearby server.",
        "ok",
        "A quick brown fox jumps over the lazy dog while the farmer, unaware, keeps repairing the old wooden fence by the river.",
    ];
}
