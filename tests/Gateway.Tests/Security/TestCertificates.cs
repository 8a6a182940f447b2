using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeSplit.Gateway.Tests.Security;

/// <summary>A throwaway CA and a server certificate for 127.0.0.1/localhost it signed, written as PEM files (no openssl).</summary>
internal sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("edgesplit-tls-").FullName;
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=EdgeSplit test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var leaf = leafRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        CaFile = Path.Combine(Directory, "ca.pem");
        CertificateFile = Path.Combine(Directory, "server.pem");
        KeyFile = Path.Combine(Directory, "server.key");
        File.WriteAllText(CaFile, ca.ExportCertificatePem());
        File.WriteAllText(CertificateFile, leaf.ExportCertificatePem());
        File.WriteAllText(KeyFile, leafKey.ExportPkcs8PrivateKeyPem());
    }

    public string Directory { get; }

    public string CaFile { get; }

    public string CertificateFile { get; }

    public string KeyFile { get; }

    /// <summary>Kestrel settings for one TLS endpoint on 127.0.0.1, port 0, with the server certificate.</summary>
    public string[] KestrelSettings() =>
    [
        "--Kestrel:Endpoints:Tls:Url=https://127.0.0.1:0",
        $"--Kestrel:Endpoints:Tls:Certificate:Path={CertificateFile}",
        $"--Kestrel:Endpoints:Tls:Certificate:KeyPath={KeyFile}",
    ];

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
