using System.CommandLine;
using System.Globalization;

namespace EdgeSplit.Gateway.Security;

/// <summary>
/// Operator commands, run as <c>EdgeSplit.Gateway token ...</c>: <c>keygen</c>, <c>issue</c>, <c>revoke</c>.
/// The key comes from <c>--key-file</c> or from the same configuration the edge reads (environment
/// <c>EdgeSplit__Auth__SigningKey</c> / <c>EdgeSplit__Auth__SigningKeyFile</c>, appsettings.json): never from an argument.
/// </summary>
internal static class TokenCommandLine
{
    public const string Verb = "token";

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter error, TimeProvider? time = null)
    {
        var root = new RootCommand("EdgeSplit device tokens: generate a signing key, issue a token to a device, revoke a token.");
        var token = new Command(Verb, "Device token operations.");
        root.Subcommands.Add(token);
        token.Subcommands.Add(Keygen(output));
        token.Subcommands.Add(Issue(configuration, output, error, time ?? TimeProvider.System));
        token.Subcommands.Add(Revoke(output));
        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
    }

    private static Command Keygen(TextWriter output)
    {
        var command = new Command("keygen", "Print a new random HS256 signing key (base64, 256 bits) for EdgeSplit:Auth:SigningKey(File).");
        command.SetAction(_ => output.WriteLine(SigningKey.Generate()));
        return command;
    }

    private static Command Issue(IConfiguration configuration, TextWriter output, TextWriter error, TimeProvider time)
    {
        var device = new Option<string>("--device") { Description = "Device id (the token's sub).", Required = true };
        var tier = new Option<string>("--tier") { Description = "Quota tier: standard or bulk.", DefaultValueFactory = _ => DeviceClaims.StandardTier };
        tier.AcceptOnlyFromAmong([.. DeviceClaims.Tiers]);
        var days = new Option<double>("--days") { Description = "Lifetime in days.", DefaultValueFactory = _ => 30 };
        var keyFile = new Option<FileInfo?>("--key-file") { Description = "File holding the base64 signing key (default: the edge's configured key)." };
        var command = new Command("issue", "Print a signed token for a device on standard output (its id and expiry go to standard error).")
        {
            device, tier, days, keyFile,
        };
        command.SetAction(parse =>
        {
            var options = ReadOptions(configuration);
            if (parse.GetValue(keyFile) is { } file)
            {
                options.SigningKey = null;
                options.SigningKeyFile = file.FullName;
            }

            var lifetimeDays = parse.GetValue(days);
            if (lifetimeDays is <= 0 or > 3650)
            {
                throw new ArgumentException("--days must be in (0, 3650].");
            }

            var (jwt, id) = new TokenIssuer(options, time).Issue(parse.GetValue(device)!, parse.GetValue(tier)!, TimeSpan.FromDays(lifetimeDays));
            var expires = time.GetUtcNow().AddDays(lifetimeDays);
            output.WriteLine(jwt);
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"jti {id}, expires {expires:u}"));
        });
        return command;
    }

    private static Command Revoke(TextWriter output)
    {
        var jti = new Option<string>("--jti") { Description = "Id of the token to revoke (printed by issue).", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "The edges' EdgeSplit:Auth:RevocationFile.", Required = true };
        var command = new Command("revoke", "Append a token id to the revocation file; edges pick it up without a restart.") { jti, file };
        command.SetAction(parse =>
        {
            var id = parse.GetValue(jti)!.Trim();
            if (id.Length == 0 || id.Any(char.IsWhiteSpace))
            {
                throw new ArgumentException("--jti must be one token id without spaces.");
            }

            var path = parse.GetValue(file)!.FullName;
            File.AppendAllText(path, id + Environment.NewLine);
            output.WriteLine($"revoked {id} in {path}");
        });
        return command;
    }

    private static AuthOptions ReadOptions(IConfiguration configuration)
    {
        var options = new AuthOptions();
        configuration.GetSection(AuthOptions.SectionName).Bind(options);
        return options;
    }
}
