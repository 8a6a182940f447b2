using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSplit.Gateway.Security;

/// <summary>Signs device tokens (HS256 JWT: sub = device id, tier, jti, iss, aud, iat/nbf/exp).</summary>
public sealed class TokenIssuer
{
    private readonly SymmetricSecurityKey _key;
    private readonly string _issuer;
    private readonly string _audience;
    private readonly TimeProvider _time;

    /// <summary>Uses the key, issuer and audience of <paramref name="options"/>.</summary>
    public TokenIssuer(AuthOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _key = SigningKey.Load(options);
        _issuer = options.Issuer;
        _audience = options.Audience;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A token for <paramref name="deviceId"/> valid for <paramref name="lifetime"/> from now, and its id (for revocation).</summary>
    public (string Token, string TokenId) Issue(string deviceId, string tier, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        if (!DeviceClaims.Tiers.Contains(tier, StringComparer.Ordinal))
        {
            throw new ArgumentException($"tier '{tier}' is not one of: {string.Join(", ", DeviceClaims.Tiers)}.", nameof(tier));
        }

        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "a token's lifetime must be positive.");
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var id = Guid.NewGuid().ToString("N");
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            Audience = _audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Subject = new ClaimsIdentity(
            [
                new Claim(DeviceClaims.Subject, deviceId),
                new Claim(DeviceClaims.Tier, tier),
                new Claim(DeviceClaims.TokenId, id),
            ]),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        };
        return (new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor), id);
    }
}
