using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Data;
using Npgsql;
using NpgsqlTypes;

namespace FeedbackDashboard.Core.Bots;

/// <summary>A bot profile as given: its name, the logins it posts as, and an optional body pattern for shared identities.</summary>
public sealed record BotProfileInput(List<string?>? Logins, string? BodyPattern = null);

/// <summary>A profile with what was captured under it (runs labelled bot=NAME and their comments).</summary>
public sealed record BotView(string Name, IReadOnlyList<string> Logins, string? BodyPattern, int Runs, int Comments, int PullRequests,
    DateTimeOffset? FirstSeenAt, DateTimeOffset? LastSeenAt);

/// <summary>A Bot-type comment author that matches no profile.</summary>
public sealed record BotCandidate(string Login, int Comments, int Repositories, DateTimeOffset LastSeenAt);

/// <summary>The profile a comment belongs to.</summary>
public sealed record BotProfile(string Name, IReadOnlyList<string> Logins, string? BodyPattern);

public static partial class BotValidation
{
    public const int MaxLogins = 20;
    public const int MaxPattern = 1_000;

    /// <summary>A body pattern runs on every candidate comment's body: a pathological one must not hold a delivery.</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    [GeneratedRegex(@"^[a-z0-9_.-]{1,40}\z")]
    private static partial Regex NamePattern();

    public static bool IsName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static string NameRule => "must be 1-40 of a-z 0-9 _ . -";

    /// <summary>The errors of a profile, by field (name, logins, logins[i], body_pattern).</summary>
    public static Dictionary<string, string[]> Validate(string name, BotProfileInput input)
    {
        var e = new Dictionary<string, string[]>();
        if (!IsName(name)) e["name"] = [NameRule];
        if (input.Logins is not { Count: > 0 } logins) e["logins"] = ["is required: at least one GitHub login"];
        else if (logins.Count > MaxLogins) e["logins"] = [$"at most {MaxLogins} logins"];
        else
        {
            for (var i = 0; i < logins.Count; i++)
            {
                if (CaptureValidation.Text(e, $"logins[{i}]", logins[i], CaptureValidation.Limits.Login)
                    && (string.IsNullOrWhiteSpace(logins[i]) || logins[i]!.Any(char.IsWhiteSpace)))
                    e[$"logins[{i}]"] = [$"must be a GitHub login (1-{CaptureValidation.Limits.Login} characters, no spaces)"];
            }
        }
        if (input.BodyPattern is { } pattern && CaptureValidation.Text(e, "body_pattern", pattern, MaxPattern, multiLine: true))
        {
            if (pattern.Length == 0) e["body_pattern"] = ["must not be empty (leave it out to match every body)"];
            else if (PatternError(pattern) is { } error) e["body_pattern"] = [$"is not a .NET regular expression: {error}"];
        }
        return e;
    }

    private static string? PatternError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, PatternTimeout);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}

/// <summary>Bot profiles (the only writer of bot_profiles) and the figures read about them.</summary>
public sealed class BotProfiles(NpgsqlDataSource db, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Regex> _patterns = new(StringComparer.Ordinal);

    /// <summary>Adds or replaces a profile; the input must have passed <see cref="BotValidation.Validate"/>.</summary>
    public async Task<Upsert> PutAsync(string name, BotProfileInput input, CancellationToken ct)
    {
        var logins = input.Logins!.Select(l => l!.Trim().ToLowerInvariant()).Distinct().ToArray();
        await using var cmd = db.CreateCommand("""
            insert into bot_profiles (name, logins, body_pattern, created_at, updated_at) values (@name, @logins, @pattern, @now, @now)
            on conflict (name) do update set logins = excluded.logins, body_pattern = excluded.body_pattern, updated_at = excluded.updated_at
            returning (xmax = 0)
            """);
        cmd.Parameters.AddWithValue("name", name);
        cmd.Parameters.AddWithValue("logins", logins);
        cmd.Parameters.Add(new NpgsqlParameter("pattern", NpgsqlDbType.Text) { Value = (object?)input.BodyPattern ?? DBNull.Value });
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        return (bool)(await cmd.ExecuteScalarAsync(ct))! ? Upsert.Created : Upsert.Updated;
    }

    /// <summary>Stops observing the bot; its runs, comments and feedback stay.</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("delete from bot_profiles where name = @name");
        cmd.Parameters.AddWithValue("name", name);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Every profile by name, with its runs (label bot=NAME), their comments and pull requests.</summary>
    public async Task<IReadOnlyList<BotView>> ListAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select p.name, p.logins, p.body_pattern, s.runs, s.pull_requests, s.comments, s.first_seen_at, s.last_seen_at
            from bot_profiles p
            cross join lateral (
                select count(*)::int as runs, count(distinct (t.repository_id, t.pr_number))::int as pull_requests,
                       coalesce(sum(c.comments), 0)::int as comments, min(c.first_seen_at) as first_seen_at, max(c.last_seen_at) as last_seen_at
                from tasks t
                cross join lateral (select count(*) as comments, min(rc.created_at) as first_seen_at, max(rc.created_at) as last_seen_at
                                    from review_comments rc where rc.task_id = t.id) c
                where t.labels @> jsonb_build_object('bot', p.name)
            ) s
            order by p.name
            """);
        var list = new List<BotView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new BotView(r.Get<string>("name"), r.Get<string[]>("logins"), r.GetOrNull<string>("body_pattern"), r.Get<int>("runs"),
                r.Get<int>("comments"), r.Get<int>("pull_requests"), r.Get<DateTimeOffset?>("first_seen_at"), r.Get<DateTimeOffset?>("last_seen_at")));
        }
        return list;
    }

    /// <summary>The profiles' names, for pickers (cheaper than <see cref="ListAsync"/>, which counts each one's runs).</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("select name from bot_profiles order by name");
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.Get<string>("name"));
        return list;
    }

    /// <summary>A profile name to suggest for a candidate's login: lower case, without "[bot]", other characters as '-'.</summary>
    public static string SuggestedName(string login)
    {
        var bare = login.ToLowerInvariant();
        if (bare.EndsWith("[bot]", StringComparison.Ordinal)) bare = bare[..^"[bot]".Length];
        var name = new string([.. bare.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-')]).Trim('-');
        if (name.Length > 40) name = name[..40];
        return name.Length == 0 ? "bot" : name;
    }

    /// <summary>Bot-type authors no profile matches, most comments first.</summary>
    public async Task<IReadOnlyList<BotCandidate>> CandidatesAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            select login, sum(comments)::int as comments, count(*)::int as repositories, max(last_seen_at) as last_seen_at
            from bot_candidates c
            where not exists (select 1 from bot_profiles p where c.login = any(p.logins))
            group by login order by comments desc, login
            """);
        var list = new List<BotCandidate>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new BotCandidate(r.Get<string>("login"), r.Get<int>("comments"), r.Get<int>("repositories"), r.Get<DateTimeOffset>("last_seen_at")));
        return list;
    }

    /// <summary>
    /// The profile whose logins hold <paramref name="login"/> and whose pattern (if any) matches <paramref name="body"/>,
    /// first by name; null when none does. A pattern that times out counts as no match.
    /// </summary>
    public async Task<(BotProfile? Match, bool LoginKnown)> MatchAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string login, string? body,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select name, logins, body_pattern from bot_profiles where @login = any(logins) order by name", conn, tx);
        cmd.Parameters.AddWithValue("login", login.ToLowerInvariant());
        var profiles = new List<BotProfile>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                profiles.Add(new BotProfile(r.Get<string>("name"), r.Get<string[]>("logins"), r.GetOrNull<string>("body_pattern")));
        }
        foreach (var profile in profiles)
        {
            if (profile.BodyPattern is null) return (profile, true);
            var regex = _patterns.GetOrAdd(profile.BodyPattern, p => new Regex(p, RegexOptions.None, BotValidation.PatternTimeout));
            try
            {
                if (regex.IsMatch(body ?? "")) return (profile, true);
            }
            catch (RegexMatchTimeoutException)
            {
                // Too slow to decide: the comment stays unobserved rather than holding the delivery.
            }
        }
        return (null, profiles.Count > 0);
    }
}
