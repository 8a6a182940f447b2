using Microsoft.IdentityModel.Tokens;

namespace EdgeSplit.Gateway.Security;

/// <summary>Reads the HS256 key from <see cref="AuthOptions"/> (inline base64 or a file), with messages naming the key.</summary>
internal static class SigningKey
{
    /// <summary>Shortest key accepted: HS256 needs 256 bits.</summary>
    public const int MinBytes = 32;

    public static SymmetricSecurityKey Load(AuthOptions options)
    {
        var error = TryLoad(options, out var key);
        return error is null ? key! : throw new InvalidOperationException(error);
    }

    public static string? TryLoad(AuthOptions options, out SymmetricSecurityKey? key)
    {
        key = null;
        var hasInline = !string.IsNullOrWhiteSpace(options.SigningKey);
        var hasFile = !string.IsNullOrWhiteSpace(options.SigningKeyFile);
        if (hasInline && hasFile)
        {
            return "EdgeSplit:Auth:SigningKey and EdgeSplit:Auth:SigningKeyFile are both set: configure one.";
        }

        string text;
        string source;
        if (hasFile)
        {
            source = "EdgeSplit:Auth:SigningKeyFile";
            if (!File.Exists(options.SigningKeyFile))
            {
                return $"EdgeSplit:Auth:SigningKeyFile '{options.SigningKeyFile}' does not exist.";
            }

            text = File.ReadAllText(options.SigningKeyFile!);
        }
        else if (hasInline)
        {
            source = "EdgeSplit:Auth:SigningKey";
            text = options.SigningKey!;
        }
        else
        {
            return "no signing key: set EdgeSplit:Auth:SigningKey (base64) or EdgeSplit:Auth:SigningKeyFile.";
        }

        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text.Trim(), bytes, out var length))
        {
            // The message never quotes the value: it is a secret.
            return $"{source} is not valid base64 (generate one with: token keygen).";
        }

        if (length < MinBytes)
        {
            return $"{source} decodes to {length} bytes; HS256 needs at least {MinBytes} (generate one with: token keygen).";
        }

        key = new SymmetricSecurityKey(bytes.AsSpan(0, length).ToArray()) { KeyId = null };
        return null;
    }

    /// <summary>A new random key, base64.</summary>
    public static string Generate() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(MinBytes));
}
