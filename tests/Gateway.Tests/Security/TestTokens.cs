namespace EdgeSplit.Gateway.Tests.Security;

/// <summary>A signing key per test and tokens made with it, as the operator command makes them.</summary>
internal sealed class TestTokens
{
    public TestTokens(TimeProvider? time = null)
    {
        Key = SigningKey.Generate();
        Issuer = new TokenIssuer(new AuthOptions { SigningKey = Key }, time);
    }

    public string Key { get; }

    public TokenIssuer Issuer { get; }

    /// <summary>Settings that turn authentication on for a node.</summary>
    public string[] NodeSettings(params string[] more) => [$"--EdgeSplit:Auth:SigningKey={Key}", .. more];

    public string Issue(string device = "phone-1", string tier = DeviceClaims.StandardTier, TimeSpan? lifetime = null) =>
        IssueWithId(device, tier, lifetime).Token;

    /// <summary>A token and its id (what a revocation list names); standard tier, one hour, unless told otherwise.</summary>
    public (string Token, string TokenId) IssueWithId(string device, string tier = DeviceClaims.StandardTier, TimeSpan? lifetime = null) =>
        Issuer.Issue(device, tier, lifetime ?? TimeSpan.FromHours(1));

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
}
