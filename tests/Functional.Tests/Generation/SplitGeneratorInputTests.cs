namespace EdgeSplit.Functional.Tests.Generation;

/// <summary>Requests the device's generator refuses before running anything.</summary>
public sealed class SplitGeneratorInputTests(GenerationHarness harness) : IClassFixture<GenerationHarness>
{
    [Theory]
    [InlineData(-1)]
    [InlineData(50257)]
    public async Task Generate_PromptTokenOutsideTheVocabulary_RefusedNamingTheToken(int token)
    {
        var request = harness.Request(null) with { Prompt = [.. harness.PromptIds, token] };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => GenerationHarness.CollectAsync(new SplitGenerator(harness.Model), request));

        Assert.Contains($"prompt token {token} has no row", ex.Message, StringComparison.Ordinal);
    }
}
