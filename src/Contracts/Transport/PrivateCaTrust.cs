using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeSplit.Contracts.Transport;

/// <summary>
/// Trusts server certificates that chain to the given CA certificates (a private PKI) instead of the system
/// store; the host-name check stays, so a certificate for another name is refused. Used by the device for its
/// edge or router, and by the router for its edges.
/// </summary>
public sealed class PrivateCaTrust(X509Certificate2Collection roots)
{
    /// <summary>The CA certificates of a PEM file (empty when it holds none).</summary>
    public static X509Certificate2Collection LoadPem(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        return roots;
    }

    /// <summary>A <see cref="RemoteCertificateValidationCallback"/>-shaped check.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            // Intermediates the server sent along.
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
