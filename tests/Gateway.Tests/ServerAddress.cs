using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EdgeSplit.Gateway.Tests;

/// <summary>Where an in-test server (Kestrel on 127.0.0.1, port 0) listens.</summary>
internal static class ServerAddress
{
    /// <summary>The first address the started <paramref name="app"/> bound, port 0 resolved to the real port.</summary>
    public static Uri Of(WebApplication app) => new(All(app).First());

    /// <summary>Every address the started <paramref name="app"/> listens on now.</summary>
    public static IReadOnlyList<string> All(WebApplication app) =>
        [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
}
