using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeSplit.Gateway.Router;

/// <summary>
/// Trusts edge certificates that chain to one configured CA (a private PKI for the router→edge hop) instead of
/// the system store. The host-name check stays: a certificate for another name is refused.
/// </summary>
internal sealed class EdgeCertificateTrust(X509Certificate2Collection roots)
{
    public static EdgeCertificateTrust FromPemFile(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        return roots.Count == 0
            ? throw new InvalidOperationException($"EdgeSplit:Router:TrustedCaFile '{path}' holds no PEM certificate.")
            : new EdgeCertificateTrust(roots);
    }

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
            // Intermediates the edge sent along.
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
