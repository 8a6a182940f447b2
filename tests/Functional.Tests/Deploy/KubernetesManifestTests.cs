namespace EdgeSplit.Functional.Tests.Deploy;

/// <summary>
/// deploy/k8s/validate.sh: every manifest against the Kubernetes OpenAPI schemas (npm's kubernetes-models, offline
/// from any cluster), and a broken manifest refused. Needs node and npm (the first run installs the models from
/// the npm registry into a work directory).
/// </summary>
public sealed class KubernetesManifestTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "deploy", "k8s", "validate.sh");

    [SkippableFact]
    public async Task Validate_RepositoryManifests_EveryObjectValid()
    {
        RequireNode();
        var expected = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "deploy", "k8s"), "*.yaml")
            .Sum(f => Regex.Matches(File.ReadAllText(f), @"^kind: (?!Kustomization)", RegexOptions.Multiline).Count);

        var (code, output) = await RunAsync();

        Assert.True(code == 0, output);
        Assert.Contains($"{expected} valid, 0 invalid", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Validate_DeploymentWithWrongTypes_FailsNamingIt()
    {
        RequireNode();
        var broken = temp.Combine("broken.yaml");
        await File.WriteAllTextAsync(broken, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: edge-broken
            spec:
              replicas: three
              selector:
                matchLabels: {app: edge}
              template:
                metadata:
                  labels: {app: edge}
                spec:
                  containers:
                    - name: edge
                      image: edgesplit/gateway
                      ports: [{containerPort: "eighty"}]
            """);

        var (code, output) = await RunAsync(broken);

        Assert.True(code != 0, output);
        Assert.Contains("FAIL", output, StringComparison.Ordinal);
        Assert.Contains("Deployment edge-broken", output, StringComparison.Ordinal);
    }

    private static void RequireNode() =>
        Requires.That(OnPath("node") && OnPath("npm"), "node and npm are not installed (deploy/k8s/validate.sh runs kubernetes-models on node; .ci/run installs npm)");

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static async Task<(int Code, string Output)> RunAsync(params string[] files)
    {
        var (code, output, error) = await ChildProcess.RunAsync("bash", files.Prepend(Script), TimeSpan.FromMinutes(5));
        return (code, output + error);
    }
}
