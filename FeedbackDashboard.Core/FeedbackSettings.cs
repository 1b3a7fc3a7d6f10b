using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace FeedbackDashboard.Core;

public enum Role { Serve, Poller }

public enum PollerStrategy { GraphQl, Rest }

public enum PollerSchedule { Budget, Tiers }

/// <summary>
/// Every setting in the README's Configuration table, read once from configuration (environment variables or the
/// same keys in appsettings.json). Invalid values fail fast with a message naming the variable.
/// </summary>
public sealed record FeedbackSettings
{
    /// <summary>Every setting at its default: the initializers below are the one place a default is written.</summary>
    public static FeedbackSettings Defaults { get; } = new();

    public Role Role { get; init; } = Role.Serve;
    public TimeSpan PollerInterval { get; init; } = TimeSpan.FromSeconds(300);
    public int PollerWindowDays { get; init; } = 14;
    public PollerStrategy PollerStrategy { get; init; } = PollerStrategy.GraphQl;
    public PollerSchedule PollerSchedule { get; init; } = PollerSchedule.Budget;
    /// <summary>Share (0-1] of an installation's hourly GitHub limit the reactions poller may spend.</summary>
    public double PollerBudgetShare { get; init; } = 0.5;
    public TimeSpan MaintainersRefresh { get; init; } = TimeSpan.FromSeconds(3600);
    /// <summary>How often observed bots' comment lists are swept; zero turns the sweep off.</summary>
    public TimeSpan ObserveSweep { get; init; } = TimeSpan.FromSeconds(3600);
    /// <summary>OBSERVE_BACKFILL_DAYS as given; unset means the poll window (<see cref="BackfillDays"/>).</summary>
    public int? ObserveBackfillDays { get; init; }
    /// <summary>How far back a repository's first sweep reaches.</summary>
    public int BackfillDays => ObserveBackfillDays ?? PollerWindowDays;
    public Uri GitHubApiUrl { get; init; } = new("https://api.github.com/");
    public Uri GitHubGraphQlUrl { get; init; } = new("https://api.github.com/graphql");
    public long? GitHubAppId { get; init; }
    [Secret] public string? GitHubAppPrivateKey { get; init; }
    public string? GitHubAppPrivateKeyPath { get; init; }
    public string? OAuthClientId { get; init; }
    [Secret] public string? OAuthClientSecret { get; init; }
    public IReadOnlyList<string> AllowedOrgs { get; init; } = [];
    public TimeSpan MembershipRecheck { get; init; } = TimeSpan.FromSeconds(600);
    public string? DashboardAuth { get; init; }
    /// <summary>The GitHub App's webhook secret; without it POST /api/github/webhooks answers 404.</summary>
    [Secret] public string? GitHubWebhookSecret { get; init; }

    public static FeedbackSettings From(IConfiguration config) => new()
    {
        Role = config["ROLE"]?.Trim().ToLowerInvariant() switch
        {
            null or "" => Defaults.Role,
            "serve" => Role.Serve,
            "poller" => Role.Poller,
            var other => throw new InvalidSettingException($"ROLE must be 'serve' or 'poller', not '{other}'."),
        },
        PollerInterval = TimeSpan.FromSeconds(PositiveInt(config, "POLLER_INTERVAL_SECS", (int)Defaults.PollerInterval.TotalSeconds)),
        PollerWindowDays = PositiveInt(config, "POLLER_WINDOW_DAYS", Defaults.PollerWindowDays),
        PollerStrategy = config["POLLER_STRATEGY"]?.Trim().ToLowerInvariant() switch
        {
            null or "" => Defaults.PollerStrategy,
            "graphql" => PollerStrategy.GraphQl,
            "rest" => PollerStrategy.Rest,
            var other => throw new InvalidSettingException($"POLLER_STRATEGY must be 'graphql' or 'rest', not '{other}'."),
        },
        PollerSchedule = config["POLLER_SCHEDULE"]?.Trim().ToLowerInvariant() switch
        {
            null or "" => Defaults.PollerSchedule,
            "budget" => PollerSchedule.Budget,
            "tiers" => PollerSchedule.Tiers,
            var other => throw new InvalidSettingException($"POLLER_SCHEDULE must be 'budget' or 'tiers', not '{other}'."),
        },
        PollerBudgetShare = config["POLLER_BUDGET_SHARE"] is { Length: > 0 } share
            ? double.TryParse(share, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 1
                ? s : throw new InvalidSettingException($"POLLER_BUDGET_SHARE must be a number in (0, 1], not '{share}'.")
            : Defaults.PollerBudgetShare,
        MaintainersRefresh = TimeSpan.FromSeconds(PositiveInt(config, "MAINTAINERS_REFRESH_SECS", (int)Defaults.MaintainersRefresh.TotalSeconds)),
        ObserveSweep = TimeSpan.FromSeconds(NonNegativeInt(config, "OBSERVE_SWEEP_SECS", (int)Defaults.ObserveSweep.TotalSeconds)),
        ObserveBackfillDays = OptionalPositiveInt(config, "OBSERVE_BACKFILL_DAYS"),
        GitHubApiUrl = Url(config, "GITHUB_API_URL", Defaults.GitHubApiUrl.ToString(), trailingSlash: true),
        GitHubGraphQlUrl = Url(config, "GITHUB_GRAPHQL_URL", Defaults.GitHubGraphQlUrl.ToString(), trailingSlash: false),
        GitHubAppId = config["GITHUB_APP_ID"] is { Length: > 0 } id
            ? long.TryParse(id, out var appId) && appId > 0 ? appId : throw new InvalidSettingException("GITHUB_APP_ID must be a positive number.")
            : null,
        // The contract: a serve instance never holds the App key, so it is not even read there.
        GitHubAppPrivateKey = IsPoller(config) ? NullIfEmpty(config["GITHUB_APP_PRIVATE_KEY"]) : null,
        GitHubAppPrivateKeyPath = IsPoller(config) ? NullIfEmpty(config["GITHUB_APP_PRIVATE_KEY_PATH"]) : null,
        OAuthClientId = NullIfEmpty(config["GITHUB_OAUTH_CLIENT_ID"]),
        OAuthClientSecret = NullIfEmpty(config["GITHUB_OAUTH_CLIENT_SECRET"]),
        AllowedOrgs = (config["DASHBOARD_ALLOWED_ORGS"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(o => o.ToLowerInvariant()).ToList(),
        MembershipRecheck = TimeSpan.FromSeconds(PositiveInt(config, "DASHBOARD_RECHECK_SECS", (int)Defaults.MembershipRecheck.TotalSeconds)),
        DashboardAuth = NullIfEmpty(config["DASHBOARD_AUTH"])?.ToLowerInvariant(),
        GitHubWebhookSecret = NullIfEmpty(config["GITHUB_WEBHOOK_SECRET"]),
    };

    /// <summary>Where people see pull requests: github.com, or the GHES host the API lives on.</summary>
    public string GitHubWebUrl => GitHubApiUrl.Host == "api.github.com"
        ? "https://github.com"
        : $"{GitHubApiUrl.Scheme}://{GitHubApiUrl.Authority}";

    /// <summary>Reads the App's PEM key; called only on the poller, so a serve instance never touches it.</summary>
    public string ReadAppPrivateKey()
    {
        if (GitHubAppPrivateKey is { } pem) return pem.Replace("\\n", "\n");
        if (GitHubAppPrivateKeyPath is { } path)
        {
            try { return File.ReadAllText(path); }
            catch (IOException e) { throw new InvalidSettingException($"GITHUB_APP_PRIVATE_KEY_PATH: cannot read {path}: {e.Message}"); }
            catch (UnauthorizedAccessException e) { throw new InvalidSettingException($"GITHUB_APP_PRIVATE_KEY_PATH: cannot read {path}: {e.Message}"); }
        }
        throw new InvalidSettingException("ROLE=poller needs GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_PATH.");
    }

    /// <summary>Every setting by name with secrets redacted: the generated record ToString would print the PEM.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("FeedbackSettings { ");
        foreach (var p in typeof(FeedbackSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = p.GetValue(this);
            var shown = value switch
            {
                null => "null",
                _ when p.IsDefined(typeof(SecretAttribute)) => "***",
                IEnumerable<string> list => $"[{string.Join(", ", list)}]",
                _ => value.ToString(),
            };
            text.Append(p.Name).Append(" = ").Append(shown).Append(", ");
        }
        return text.Append('}').ToString();
    }

    private static bool IsPoller(IConfiguration config) =>
        string.Equals(config["ROLE"]?.Trim(), "poller", StringComparison.OrdinalIgnoreCase);

    private static int PositiveInt(IConfiguration config, string key, int fallback) => OptionalPositiveInt(config, key) ?? fallback;

    private static int? OptionalPositiveInt(IConfiguration config, string key)
    {
        var raw = config[key];
        if (string.IsNullOrWhiteSpace(raw)) return null;
        return int.TryParse(raw, out var value) && value > 0
            ? value
            : throw new InvalidSettingException($"{key} must be a positive whole number, not '{raw}'.");
    }

    private static int NonNegativeInt(IConfiguration config, string key, int fallback)
    {
        var raw = config[key];
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        return int.TryParse(raw, out var value) && value >= 0
            ? value
            : throw new InvalidSettingException($"{key} must be a whole number of 0 or more (0 turns it off), not '{raw}'.");
    }

    private static Uri Url(IConfiguration config, string key, string fallback, bool trailingSlash)
    {
        var raw = NullIfEmpty(config[key]) ?? fallback;
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new InvalidSettingException($"{key} must be an http(s) URL, not '{raw}'.");
        // HttpClient resolves relative paths against the base only when it ends with '/'.
        if (trailingSlash && !raw.EndsWith('/')) uri = new Uri(raw + "/");
        return uri;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>A setting that must never be printed (logs, exceptions, ToString).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;

public sealed class InvalidSettingException(string message) : Exception(message);
