using Microsoft.Extensions.Time.Testing;

namespace EdgeSplit.Gateway.Tests.Security;

public sealed class AuthTests
{
    private static InferRequest Valid(string id = "") => Requests.For(["an enrolled phone"], 3, Encoding.F16, id);

    [Fact]
    public async Task Infer_ValidToken_Computes()
    {
        var tokens = new TestTokens();
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings());

        var reply = await node.Client.InferAsync(Valid(), TestTokens.Bearer(tokens.Issue()), SplitInferenceTests.Deadline());

        Assert.Single(reply.Embeddings);
        Assert.Equal(1, node.Load.Computed);
    }

    [Fact]
    public async Task Infer_BadTokens_UnauthenticatedAndNothingComputed()
    {
        var tokens = new TestTokens();
        var other = new TestTokens();
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-2));
        var expired = new TokenIssuer(new AuthOptions { SigningKey = tokens.Key }, past).Issue("phone-1", DeviceClaims.StandardTier, TimeSpan.FromHours(1)).Token;
        var wrongAudience = new TokenIssuer(new AuthOptions { SigningKey = tokens.Key, Audience = "someone-else" }).Issue("phone-1", DeviceClaims.StandardTier, TimeSpan.FromHours(1)).Token;
        var good = tokens.Issue();
        var tampered = good[..^2] + (good[^2] == 'A' ? "B" : "A") + good[^1];
        var parts = good.Split('.');
        var unsigned = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings());
        var cases = new (string Name, Metadata? Headers)[]
        {
            ("no token", null),
            ("empty bearer", new Metadata { { "authorization", "Bearer " } }),
            ("not a jwt", TestTokens.Bearer("not-a-token")),
            ("wrong key", TestTokens.Bearer(other.Issue())),
            ("tampered signature", TestTokens.Bearer(tampered)),
            ("expired", TestTokens.Bearer(expired)),
            ("wrong audience", TestTokens.Bearer(wrongAudience)),
            ("alg none", TestTokens.Bearer(unsigned)),
            ("basic scheme", new Metadata { { "authorization", "Basic cGhvbmU6cGFzcw==" } }),
        };

        foreach (var (name, headers) in cases)
        {
            var unary = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(Valid(), headers, SplitInferenceTests.Deadline()).ResponseAsync);
            Assert.True(unary.StatusCode == StatusCode.Unauthenticated, $"{name}: unary {unary.StatusCode}");
            var manifest = await Assert.ThrowsAsync<RpcException>(() => node.Client.GetManifestAsync(new ManifestRequest(), headers, SplitInferenceTests.Deadline()).ResponseAsync);
            Assert.True(manifest.StatusCode == StatusCode.Unauthenticated, $"{name}: manifest {manifest.StatusCode}");

            using var stream = node.Client.InferStream(headers, SplitInferenceTests.Deadline());
            try
            {
                await stream.RequestStream.WriteAsync(Valid("s1"));
                await stream.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // The node may answer 401 and end the call before the write finishes (the write then reports
                // CANCELLED); the call's own status is what the response stream reports.
            }

            var streamed = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext());
            Assert.True(streamed.StatusCode == StatusCode.Unauthenticated, $"{name}: stream {streamed.StatusCode}");
        }

        Assert.Equal(0, node.Load.Computed);
        Assert.Equal(0, node.Load.Batches);
    }

    [Fact]
    public async Task Infer_RevokedWhileRunning_RefusedWithoutRestart()
    {
        var tokens = new TestTokens();
        using var dir = new TempDirectory();
        var revoked = dir.Combine("revoked.txt");
        var (token, jti) = tokens.IssueWithId("phone-7");
        var survivor = tokens.Issue("phone-8");
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings($"--EdgeSplit:Auth:RevocationFile={revoked}", "--EdgeSplit:Auth:RevocationPollSeconds=1"));
        await node.Client.InferAsync(Valid(), TestTokens.Bearer(token), SplitInferenceTests.Deadline());

        // The operator command appends the id; the file did not exist when the node started.
        var code = await TokenCommandLine.RunAsync(["token", "revoke", "--jti", jti, "--file", revoked], EmptyConfiguration(), TextWriter.Null, TextWriter.Null);
        Assert.Equal(0, code);
        var status = StatusCode.OK;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (status != StatusCode.Unauthenticated && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(200);
            try
            {
                await node.Client.InferAsync(Valid(), TestTokens.Bearer(token), SplitInferenceTests.Deadline());
            }
            catch (RpcException ex)
            {
                status = ex.StatusCode;
            }
        }

        var computed = node.Load.Computed;
        var again = await Assert.ThrowsAsync<RpcException>(() => node.Client.InferAsync(Valid(), TestTokens.Bearer(token), SplitInferenceTests.Deadline()).ResponseAsync);
        var other = await node.Client.InferAsync(Valid(), TestTokens.Bearer(survivor), SplitInferenceTests.Deadline());
        Assert.Equal(StatusCode.Unauthenticated, status);
        Assert.Equal(StatusCode.Unauthenticated, again.StatusCode);
        Assert.Single(other.Embeddings);

        // The node counts a computation as it finishes the batch, which can be just after the reply reached the client.
        using (var settle = new CancellationTokenSource(EdgeNode.Timeout))
        {
            while (node.Load.Computed < computed + 1)
            {
                await Task.Delay(10, settle.Token);
            }
        }

        Assert.Equal(computed + 1, node.Load.Computed);
    }

    [Fact]
    public async Task Health_NoToken_ServedAnonymously()
    {
        var tokens = new TestTokens();
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings());
        using var http = new HttpClient { BaseAddress = node.Address, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var grpcHealth = await new Grpc.Health.V1.Health.HealthClient(node.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());

        Assert.True(ready.IsSuccessStatusCode);
        Assert.True(metrics.IsSuccessStatusCode);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, grpcHealth.Status);
    }

    [Fact]
    public async Task Health_AnonymousHealthOff_NeedsToken()
    {
        var tokens = new TestTokens();
        await using var node = await EdgeNode.StartAsync(settings: tokens.NodeSettings("--EdgeSplit:Auth:AnonymousHealth=false", "--EdgeSplit:Auth:AnonymousMetrics=false"));
        using var http = new HttpClient { BaseAddress = node.Address, DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/readyz") { Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        authorized.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.Issue());
        var withToken = await http.SendAsync(authorized);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, ready.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, metrics.StatusCode);
        Assert.True(withToken.IsSuccessStatusCode, $"{withToken.StatusCode} {withToken.Headers.WwwAuthenticate}");
    }

    [Theory]
    [InlineData("--urls=http://0.0.0.0:0")]
    [InlineData("--Kestrel:Endpoints:Open:Url=http://0.0.0.0:0")]
    public async Task Start_NonLoopbackWithoutKey_RefusesNamingTheSettings(string bind)
    {
        var app = GatewayApp.Build([bind, "--EdgeSplit:AllowCleartext=true", "--Logging:LogLevel:Default=Warning"], configureEdge: edge => edge.UseModel(SharedModel.Instance));
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync().WaitAsync(EdgeNode.Timeout));
            var message = error is AggregateException { InnerException: { } inner } ? inner.Message : error.Message;
            Assert.Contains("EdgeSplit:Auth:SigningKey", message, StringComparison.Ordinal);
            Assert.Contains("EdgeSplit:Auth:AllowAnonymous", message, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Start_NonLoopbackAllowAnonymous_Serves()
    {
        // Bound to every interface with no key: the explicit opt-in lets it start, and it computes for a caller with no token.
        await using var node = await EdgeNode.StartAsync(settings: ["--urls=http://0.0.0.0:0", "--EdgeSplit:Auth:AllowAnonymous=true", "--EdgeSplit:AllowCleartext=true"]);
        Assert.Equal("0.0.0.0", node.Address.Host);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{node.Address.Port}");

        var reply = await new SplitInference.SplitInferenceClient(channel).InferAsync(Valid(), deadline: SplitInferenceTests.Deadline());

        Assert.Single(reply.Embeddings);
        Assert.Equal(1, node.Load.Computed);
    }

    [Theory]
    [InlineData("--urls=http://0.0.0.0:0", "http://0.0.0.0:0")]
    [InlineData("--Kestrel:Endpoints:Open:Url=http://+:0", "http://+:0")]
    [InlineData("--urls=http://127.0.0.1:0;http://edge.example:0", "http://edge.example:0")]
    public void Build_CleartextBeyondLoopbackWithoutOptIn_RefusesNamingTheEndpoint(string bind, string named)
    {
        var error = Assert.Throws<InvalidOperationException>(() => GatewayApp.Build([bind, "--EdgeSplit:Role=Router", "--EdgeSplit:Router:Edges:0=http://127.0.0.1:1"]));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("EdgeSplit:AllowCleartext=true", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--urls=http://localhost:0")]
    [InlineData("--urls=http://[::1]:0")]
    [InlineData("--urls=http://127.0.0.2:0")]
    public async Task Build_CleartextOnLoopback_NeedsNoOptIn(string bind)
    {
        // No EdgeSplit:AllowCleartext: a loopback address builds, starts and answers over h2c. Kestrel takes no
        // port 0 with "localhost", so every case gets a free port.
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            bind = bind[..^1] + ((System.Net.IPEndPoint)probe.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var app = GatewayApp.Build([bind, "--EdgeSplit:Role=Router", "--EdgeSplit:Router:Edges:0=http://127.0.0.1:1", "--EdgeSplit:Router:ResolveDns=false", "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync().WaitAsync(EdgeNode.Timeout);
        var address = new Uri(app.Urls.First());
        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var live = await http.GetStringAsync(new Uri(address, "/healthz")).WaitAsync(EdgeNode.Timeout);

        Assert.Equal("ok", live);
        await app.StopAsync().WaitAsync(EdgeNode.Timeout);
    }

    [Theory]
    [InlineData("--EdgeSplit:Auth:SigningKey=c2hvcnQ=", "EdgeSplit:Auth:SigningKey decodes to 5 bytes")]
    [InlineData("--EdgeSplit:Auth:SigningKey=not base64!", "EdgeSplit:Auth:SigningKey is not valid base64")]
    [InlineData("--EdgeSplit:Auth:SigningKeyFile=/nonexistent/key", "EdgeSplit:Auth:SigningKeyFile '/nonexistent/key' does not exist")]
    public void Build_BadKey_FailsNamingTheKey(string setting, string expected)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayApp.Build(["--urls=http://127.0.0.1:0", setting]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not base64!", error.Message.Replace("is not valid base64", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenCommand_KeygenIssue_TokenAccepted()
    {
        using var dir = new TempDirectory();
        var keyOut = new StringWriter();
        Assert.Equal(0, await TokenCommandLine.RunAsync(["token", "keygen"], EmptyConfiguration(), keyOut, TextWriter.Null));
        var keyFile = dir.Combine("key");
        await File.WriteAllTextAsync(keyFile, keyOut.ToString());
        var tokenOut = new StringWriter();
        var info = new StringWriter();

        var code = await TokenCommandLine.RunAsync(["token", "issue", "--device", "tablet-3", "--tier", "bulk", "--days", "2", "--key-file", keyFile], EmptyConfiguration(), tokenOut, info);

        Assert.Equal(0, code);
        Assert.Contains("jti ", info.ToString(), StringComparison.Ordinal);
        await using var node = await EdgeNode.StartAsync(settings: [$"--EdgeSplit:Auth:SigningKeyFile={keyFile}"]);
        var reply = await node.Client.InferAsync(Valid(), TestTokens.Bearer(tokenOut.ToString().Trim()), SplitInferenceTests.Deadline());
        Assert.Single(reply.Embeddings);
        Assert.NotEqual(0, await TokenCommandLine.RunAsync(["token", "issue", "--device", "x", "--tier", "platinum", "--key-file", keyFile], EmptyConfiguration(), TextWriter.Null, TextWriter.Null));
        Assert.NotEqual(0, await TokenCommandLine.RunAsync(["token", "issue", "--device", "x"], EmptyConfiguration(), TextWriter.Null, TextWriter.Null));
    }

    private static string Base64Url(string json) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static Microsoft.Extensions.Configuration.IConfiguration EmptyConfiguration() =>
        new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
}
