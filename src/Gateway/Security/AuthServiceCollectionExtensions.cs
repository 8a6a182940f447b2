using EdgeSplit.Gateway.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers device authentication of the edge role (JWT bearer, HS256, revocation list).</summary>
public static class AuthServiceCollectionExtensions
{
    /// <summary>Authorization policy every inference call must pass when authentication is on.</summary>
    public const string DevicePolicy = "edgesplit-device";

    /// <summary>
    /// Binds and validates <c>EdgeSplit:Auth</c>; when a signing key is configured adds JWT bearer validation
    /// (issuer, audience, HS256 only, expiry required, jti not revoked, known tier) and the device policy.
    /// Returns the bound options so the caller can decide which endpoints need a token.
    /// </summary>
    public static AuthOptions AddEdgeSplitAuth(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        var options = new AuthOptions();
        configuration.GetSection(AuthOptions.SectionName).Bind(options);
        if (!options.Enabled)
        {
            return options;
        }

        // Fail here, before the host starts, with the key's name (the JwtBearer options are built lazily).
        var validation = new AuthOptionsValidator().Validate(Options.Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.Options.DefaultName, typeof(AuthOptions), validation.Failures);
        }

        services.AddHostedSingleton<RevocationList>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, RevocationList, TimeProvider, ILoggerFactory>(Configure);
        services.AddAuthorizationBuilder()
            .AddPolicy(DevicePolicy, policy => policy.RequireAuthenticatedUser().RequireClaim(DeviceClaims.Subject).RequireClaim(DeviceClaims.Tier));
        return options;
    }

    private static void Configure(JwtBearerOptions jwt, IOptions<AuthOptions> auth, RevocationList revoked, TimeProvider time, ILoggerFactory loggers)
    {
        var options = auth.Value;
        var logger = loggers.CreateLogger("EdgeSplit.Gateway.Security.DeviceAuthentication");
        var skew = TimeSpan.FromSeconds(options.ClockSkewSeconds);
        jwt.MapInboundClaims = false;
        jwt.TimeProvider = time;
        jwt.RequireHttpsMetadata = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKey = SigningKey.Load(options),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = true,
            NameClaimType = DeviceClaims.Subject,
            ClockSkew = skew,

            // The node's TimeProvider, not the wall clock, decides expiry (tests move time; so could a host).
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } exp && now < exp.ToUniversalTime() + skew && (notBefore is not { } nbf || now >= nbf.ToUniversalTime() - skew);
            },
        };
        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var principal = context.Principal!;
                var id = principal.FindFirst(DeviceClaims.TokenId)?.Value;
                var tier = principal.FindFirst(DeviceClaims.Tier)?.Value;
                var subject = principal.FindFirst(DeviceClaims.Subject)?.Value;
                var reason = string.IsNullOrEmpty(id) ? "no jti (a token that cannot be revoked is not accepted)"
                    : revoked.IsRevoked(id) ? "revoked"
                    : subject is not { Length: > 0 and <= 128 } ? "sub missing or longer than 128 characters"
                    : tier is null || !DeviceClaims.Tiers.Contains(tier, StringComparer.Ordinal) ? "unknown tier"
                    : null;
                if (reason is not null)
                {
                    SecurityLog.TokenRefused(logger, reason);
                    context.Fail($"token refused: {reason}");
                }

                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                // The exception's type says enough (expired, bad signature, wrong audience); its text is not logged.
                SecurityLog.TokenRefused(logger, context.Exception.GetType().Name);
                return Task.CompletedTask;
            },
        };
    }
}
