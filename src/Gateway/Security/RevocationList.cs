using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace EdgeSplit.Gateway.Security;

/// <summary>
/// Revoked token ids from <see cref="AuthOptions.RevocationFile"/>, re-read when the file's size or time changes.
/// Polling (not a file watcher) because mounted secrets and ConfigMaps change by symlink swaps that inotify misses.
/// A missing file is an empty list; an unreadable one keeps the last list.
/// </summary>
internal sealed class RevocationList : IHostedService, IDisposable
{
    private readonly string? _path;
    private readonly TimeSpan _period;
    private readonly TimeProvider _time;
    private readonly ILogger<RevocationList> _logger;
    private readonly Lock _gate = new();
    private volatile FrozenSet<string> _revoked = FrozenSet<string>.Empty;
    private (DateTime Written, long Length)? _version;
    private ITimer? _timer;

    public RevocationList(IOptions<AuthOptions> options, TimeProvider time, ILogger<RevocationList> logger)
    {
        _path = string.IsNullOrWhiteSpace(options.Value.RevocationFile) ? null : Path.GetFullPath(options.Value.RevocationFile);
        _period = TimeSpan.FromSeconds(Math.Max(1, options.Value.RevocationPollSeconds));
        _time = time;
        _logger = logger;
    }

    /// <summary>Revoked ids currently known.</summary>
    public int Count => _revoked.Count;

    public bool IsRevoked(string tokenId) => _revoked.Contains(tokenId);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_path is not null)
        {
            Refresh();
            _timer = _time.CreateTimer(_ => Refresh(), null, _period, _period);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Re-reads the file if it changed since the last read.</summary>
    public void Refresh()
    {
        if (_path is null)
        {
            return;
        }

        lock (_gate)
        {
            try
            {
                var info = new FileInfo(_path);
                (DateTime, long)? version = info.Exists ? (info.LastWriteTimeUtc, info.Length) : null;
                if (version == _version && _timer is not null)
                {
                    return;
                }

                var revoked = info.Exists ? Parse(File.ReadAllLines(_path)) : FrozenSet<string>.Empty;
                _revoked = revoked;
                _version = version;
                SecurityLog.RevocationLoaded(_logger, revoked.Count, _path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                SecurityLog.RevocationUnreadable(_logger, _path, ex.Message);
            }
        }
    }

    private static FrozenSet<string> Parse(string[] lines) => lines
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .ToFrozenSet(StringComparer.Ordinal);
}
