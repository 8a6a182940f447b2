using Microsoft.Extensions.Time.Testing;

namespace EdgeSplit.Gateway.Tests.Security;

public sealed class SecretLeakTests
{
    [Fact]
    public async Task Logs_And_Traces_WhileUsingGoodAndBadTokens_NeverContainATokenOrTheKey()
    {
        var tokens = new TestTokens();
        using var dir = new TempDirectory();
        var revokedFile = dir.Combine("revoked.txt");
        var (revoked, revokedId) = tokens.IssueWithId("phone-r");
        await File.WriteAllTextAsync(revokedFile, revokedId + "\n");
        var good = tokens.Issue("phone-g");
        var forged = new TestTokens().Issue("phone-f");
        var expired = new TokenIssuer(new AuthOptions { SigningKey = tokens.Key }, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-3))).Issue("phone-e", DeviceClaims.StandardTier, TimeSpan.FromHours(1)).Token;
        var secrets = new[] { tokens.Key, good, forged, expired, revoked }
            .SelectMany(t => t.Split('.'))
            .Where(part => part.Length >= 16)
            .Distinct()
            .ToList();
        secrets.Add(tokens.Key);

        var logs = new CapturingLoggerProvider();
        // Spans of every source, but only those of this test's own trace: parallel tests' spans are not ours to count.
        var spans = new ConcurrentQueue<string>();
        using var testSource = new ActivitySource("EdgeSplit.Gateway.Tests.SecretLeak");
        var trace = default(ActivityTraceId);
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => Enqueue(a),
        };
        void Enqueue(Activity a)
        {
            if (a.TraceId != trace)
            {
                return;
            }

            spans.Enqueue($"{a.Source.Name} {a.DisplayName} {string.Join(' ', a.TagObjects.Select(t => $"{t.Key}={t.Value}"))} {string.Join(' ', a.Baggage)} {string.Join(' ', a.Events.Select(e => e.Name + string.Join(',', e.Tags)))}");
        }

        ActivitySource.AddActivityListener(listener);

        var app = GatewayApp.Build(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Trace", .. tokens.NodeSettings($"--EdgeSplit:Auth:RevocationFile={revokedFile}")],
            builder => builder.Logging.AddProvider(logs),
            edge => edge.UseModel(SharedModel.Instance));
        await app.StartAsync().WaitAsync(EdgeNode.Timeout);
        try
        {
            await app.Services.GetRequiredService<ModelHost>().WhenLoaded.WaitAsync(EdgeNode.Timeout);
            using var channel = GrpcChannel.ForAddress(ServerAddress.Of(app));
            var client = new SplitInference.SplitInferenceClient(channel);
            var request = Requests.For(["secret-free logs"], 3);
            using var root = testSource.StartActivity("secret leak test")!;
            trace = root.TraceId;
            await client.InferAsync(request, TestTokens.Bearer(good), SplitInferenceTests.Deadline());
            using (var stream = client.InferStream(TestTokens.Bearer(good), SplitInferenceTests.Deadline()))
            {
                var bad = request.Clone();
                bad.RequestId = "bad";
                bad.AttentionMask.Add(7);
                await stream.RequestStream.WriteAsync(bad);
                await stream.RequestStream.CompleteAsync();
                while (await stream.ResponseStream.MoveNext())
                {
                }
            }

            foreach (var token in new[] { forged, expired, revoked, good[..^3], "garbage." + good })
            {
                await Assert.ThrowsAsync<RpcException>(() => client.InferAsync(request, TestTokens.Bearer(token), SplitInferenceTests.Deadline()).ResponseAsync);
            }
        }
        finally
        {
            await app.StopAsync().WaitAsync(EdgeNode.Timeout);
            await app.DisposeAsync();
        }

        var all = logs.Lines.Concat(spans).ToList();
        Assert.Contains(all, l => l.Contains("Refused a device token", StringComparison.Ordinal)); // the refusals were logged ...
        Assert.Contains(all, l => l.Contains("revoked", StringComparison.Ordinal));
        Assert.True(spans.Count > 5, $"{spans.Count} spans of this test's trace were captured");
        Assert.Contains(spans, s => s.StartsWith("EdgeSplit.Edge ", StringComparison.Ordinal)); // the edge's own spans, joined over gRPC
        Assert.Contains(spans, s => s.StartsWith("Microsoft.AspNetCore ", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            var leak = all.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"a secret reached the logs or traces: {leak}"); // ... without the secrets
        }
    }
}
