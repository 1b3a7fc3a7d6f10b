using System.Text.Json;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Repositories;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Bots;

/// <summary>A comment as a repository's comment list gives it: the captured comment, its author and its pull request.</summary>
public sealed record SweptComment(CapturedComment Comment, string Login, string? UserType, long? ReviewId, int PrNumber, DateTimeOffset UpdatedAt);

/// <summary>A pull request's author as GitHub gives it (association as GitHub gave it).</summary>
public sealed record PullRequestAuthor(long Id, string Login, string Association);

/// <summary>What the sweep did with one listed comment.</summary>
public enum SweptOutcome { Skipped, Candidate, Registered, Updated, Unchanged }

/// <summary>
/// Registers a profiled bot's comments and reviews from GitHub's deliveries, on the delivery's own connection and
/// transaction, so the comment and the delivery record commit together. Runs are the bot's reviews (one each) and, for
/// its conversation comments, one per (bot, repository, pull request); a comment already registered (through the API)
/// keeps its run. A Bot-type author no profile matches is only counted.
/// </summary>
public sealed class ObservedComments(BotProfiles profiles, ILogger<ObservedComments> log)
{
    /// <summary>What a delivery tells about the comment or review and its pull request.</summary>
    private sealed record Observed(string Login, string? UserType, string? Body, long? ReviewId, DateTimeOffset CreatedAt, bool IsReview,
        CapturedComment? Comment, int PrNumber, long PrAuthorId, string PrAuthorLogin, string PrAuthorAssociation);

    /// <summary>
    /// Applies a comment's <c>created</c> or a review's <c>submitted</c>; false when the delivery is not about a pull
    /// request (an issue comment on a plain issue).
    /// </summary>
    public async Task<bool> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string eventName, JsonElement root, DateTimeOffset now,
        CancellationToken ct)
    {
        if (Read(eventName, root, now) is not { } seen) return false;
        var installation = Long(root, "installation", "id") ?? throw new InvalidOperationException("payload has no installation.id");
        var repoId = Long(root, "repository", "id") ?? throw new InvalidOperationException("payload has no repository.id");
        var fullName = Str(root, "repository", "full_name") ?? throw new InvalidOperationException("payload has no repository.full_name");
        if (!CaptureValidation.IsRepository(fullName)) throw new InvalidOperationException("repository.full_name is not owner/name");

        var (profile, loginKnown) = await profiles.MatchAsync(conn, tx, seen.Login, seen.Body, ct);
        if (profile is null)
        {
            if (!loginKnown && seen.UserType == "Bot" && !seen.IsReview)
                await CountCandidateAsync(conn, tx, seen.Login, fullName, installation, now, ct);
            return true;
        }
        if (seen.Comment is { } existing && await CommentRegistration.RegisteredAsync(conn, tx, existing, ct)) return true;

        if (await RepositoryRegistry.FindOrAddAsync(conn, tx, installation, repoId, fullName, ct) is not { } repository)
        {
            log.LogInformation("Observed {Bot} on {Repository}: registered under another installation than {Installation}, not recorded",
                profile.Name, fullName, installation);
            return true;
        }
        var task = await RunAsync(conn, tx, profile.Name, repository, installation, seen, now, ct);
        if (seen.Comment is { } comment)
        {
            await CommentRegistration.InsertAsync(conn, tx, task, [comment], now, ct);
            // A new comment may raise again one dismissed or resolved before.
            await Dispositions.DecideAsync(conn, tx,
                new DispositionScope.Comments([new CommentKey(CommentKinds.Parse(comment.Kind)!.Value, comment.GithubCommentId)]), ct);
        }
        return true;
    }

    /// <summary>True when the swept comment is a profiled bot's and not yet registered: its run may need the pull request's author.</summary>
    public async Task<bool> NeedsRunAsync(NpgsqlConnection conn, SweptComment seen, CancellationToken ct) =>
        (await profiles.MatchAsync(conn, null, seen.Login, seen.Comment.Body, ct)).Match is not null
        && !await CommentRegistration.RegisteredAsync(conn, null, seen.Comment, ct);

    /// <summary>The authors runs already name for these pull requests of the repository: no need to ask GitHub again.</summary>
    public static async Task<Dictionary<int, PullRequestAuthor>> KnownAuthorsAsync(NpgsqlConnection conn, long repository, int[] pullRequests,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            select distinct on (pr_number) pr_number, pr_author_id, pr_author_login, pr_author_association
            from tasks where repository_id = @repo and pr_number = any(@prs) order by pr_number, created_at desc
            """, conn);
        cmd.Parameters.AddWithValue("repo", repository);
        cmd.Parameters.AddWithValue("prs", pullRequests);
        var known = new Dictionary<int, PullRequestAuthor>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            known[r.Get<int>("pr_number")] = new PullRequestAuthor(r.Get<long>("pr_author_id"), r.Get<string>("pr_author_login"),
                r.Get<string>("pr_author_association"));
        return known;
    }

    /// <summary>
    /// Applies one comment read by the sweep from a repository's comment list, in <paramref name="tx"/>: a profiled bot's
    /// new comment is registered as a delivery's would be, a registered one takes the listed body (it was edited), and a
    /// Bot-type author no profile matches is counted when the comment is <paramref name="isNew"/> (not an edit seen again).
    /// </summary>
    public async Task<SweptOutcome> ApplySweptAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long installation, long repository,
        string repositoryName, SweptComment seen, bool isNew, PullRequestAuthor? author, DateTimeOffset now, CancellationToken ct)
    {
        var (profile, loginKnown) = await profiles.MatchAsync(conn, tx, seen.Login, seen.Comment.Body, ct);
        if (profile is null)
        {
            if (!loginKnown && seen.UserType == "Bot" && isNew)
            {
                await CountCandidateAsync(conn, tx, seen.Login, repositoryName, installation, now, ct);
                return SweptOutcome.Candidate;
            }
            return SweptOutcome.Skipped;
        }
        if (await CommentRegistration.RegisteredAsync(conn, tx, seen.Comment, ct))
        {
            var key = new CommentKey(CommentKinds.Parse(seen.Comment.Kind)!.Value, seen.Comment.GithubCommentId);
            return await CommentChanges.EditAsync(conn, tx, key, installation, seen.Comment.Body ?? "", ct) ? SweptOutcome.Updated : SweptOutcome.Unchanged;
        }
        if (author is null) throw new InvalidOperationException($"the author of pull request #{seen.PrNumber} is not known");
        var observed = new Observed(seen.Login, seen.UserType, seen.Comment.Body, seen.ReviewId, seen.Comment.CreatedAt ?? now, false, seen.Comment,
            seen.PrNumber, author.Id, author.Login, author.Association);
        var task = await RunAsync(conn, tx, profile.Name, repository, installation, observed, now, ct);
        await CommentRegistration.InsertAsync(conn, tx, task, [seen.Comment], now, ct);
        await Dispositions.DecideAsync(conn, tx,
            new DispositionScope.Comments([new CommentKey(CommentKinds.Parse(seen.Comment.Kind)!.Value, seen.Comment.GithubCommentId)]), ct);
        return SweptOutcome.Registered;
    }

    private static Observed? Read(string eventName, JsonElement root, DateTimeOffset now)
    {
        switch (eventName)
        {
            case "pull_request_review_comment":
            {
                var c = Element(root, "comment");
                var line = Int(c, "line") ?? Int(c, "original_line");
                var created = Time(c, "created_at", now);
                var comment = new CapturedComment(CommentKinds.Inline, Require(Long(c, "id"), "comment.id"), Str(c, "node_id"), Str(c, "path"),
                    line is > 0 ? line : null, created, null, Str(c, "body"), FindingTags.None)
                {
                    HtmlUrl = Str(c, "html_url"), AuthorLogin = Str(c, "user", "login"), AuthorId = Long(c, "user", "id"),
                };
                return Of(c, "user", Str(c, "body"), Long(c, "pull_request_review_id"), created, false, comment, Element(root, "pull_request"));
            }
            case "issue_comment":
            {
                var issue = Element(root, "issue");
                // An issue comment is a pull request's only when the issue is one.
                if (!issue.TryGetProperty("pull_request", out var pr) || pr.ValueKind != JsonValueKind.Object) return null;
                var c = Element(root, "comment");
                var created = Time(c, "created_at", now);
                var comment = new CapturedComment(CommentKinds.Reply, Require(Long(c, "id"), "comment.id"), Str(c, "node_id"), null, null,
                    created, null, Str(c, "body"), FindingTags.None)
                {
                    HtmlUrl = Str(c, "html_url"), AuthorLogin = Str(c, "user", "login"), AuthorId = Long(c, "user", "id"),
                };
                return Of(c, "user", Str(c, "body"), null, created, false, comment, issue);
            }
            case "pull_request_review":
            {
                var review = Element(root, "review");
                return Of(review, "user", Str(review, "body"), Require(Long(review, "id"), "review.id"), Time(review, "submitted_at", now), true, null,
                    Element(root, "pull_request"));
            }
            default:
                return null;
        }
    }

    private static Observed Of(JsonElement item, string userField, string? body, long? reviewId, DateTimeOffset created, bool isReview,
        CapturedComment? comment, JsonElement pullRequest) =>
        new(Require(Str(item, userField, "login"), $"{userField}.login"), Str(item, userField, "type"), body, reviewId, created, isReview, comment,
            (int)Require(Long(pullRequest, "number"), "pull request number"), Require(Long(pullRequest, "user", "id"), "pull request user.id"),
            Require(Str(pullRequest, "user", "login"), "pull request user.login"), Str(pullRequest, "author_association") ?? "NONE");

    /// <summary>The review's run, or the bot's conversation run on the pull request; created on first sight.</summary>
    private static async Task<Guid> RunAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string bot, long repository, long installation,
        Observed seen, DateTimeOffset now, CancellationToken ct)
    {
        // A review's run dates from its submission; until that arrives (its comments may come first), from its first comment.
        var conflict = seen.ReviewId is not null
            ? """
              on conflict (github_review_id) where source = 'observed' and github_review_id is not null do update
                  set created_at = case when @submitted then excluded.created_at else least(tasks.created_at, excluded.created_at) end,
                      updated_at = excluded.updated_at
              """
            : """
              on conflict (repository_id, pr_number, (labels ->> 'bot')) where source = 'observed' and github_review_id is null do update
                  set created_at = least(tasks.created_at, excluded.created_at), updated_at = excluded.updated_at
              """;
        await using var cmd = new NpgsqlCommand($"""
            insert into tasks (id, repository_id, installation_id, pr_number, pr_author_id, pr_author_login, pr_author_association,
                               created_at, updated_at, labels, source, github_review_id)
            values (@id, @repo, @inst, @pr, @author_id, @author_login, @association, @created, @now, jsonb_build_object('bot', @bot::text),
                    'observed', @review)
            {conflict}
            returning id
            """, conn, tx);
        cmd.Parameters.AddWithValue("id", Guid.CreateVersion7(now));
        cmd.Parameters.AddWithValue("repo", repository);
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("pr", seen.PrNumber);
        cmd.Parameters.AddWithValue("author_id", seen.PrAuthorId);
        cmd.Parameters.AddWithValue("author_login", seen.PrAuthorLogin);
        cmd.Parameters.AddWithValue("association", seen.PrAuthorAssociation);
        cmd.Parameters.AddWithValue("created", seen.CreatedAt);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("bot", bot);
        cmd.Parameters.AddWithValue("submitted", seen.IsReview);
        cmd.Parameters.Add(new NpgsqlParameter("review", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = (object?)seen.ReviewId ?? DBNull.Value });
        return (Guid)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task CountCandidateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string login, string repository, long installation,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            insert into bot_candidates (login, repository, installation_id, comments, last_seen_at) values (@login, @repo, @inst, 1, @now)
            on conflict (login, repository) do update
                set comments = bot_candidates.comments + 1, installation_id = excluded.installation_id,
                    last_seen_at = greatest(bot_candidates.last_seen_at, excluded.last_seen_at)
            """, conn, tx);
        cmd.Parameters.AddWithValue("login", login.ToLowerInvariant());
        cmd.Parameters.AddWithValue("repo", repository.ToLowerInvariant());
        cmd.Parameters.AddWithValue("inst", installation);
        cmd.Parameters.AddWithValue("now", now);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>GitHub's timestamp, or <paramref name="now"/> when it is missing or outside what a comment can carry.</summary>
    private static DateTimeOffset Time(JsonElement e, string field, DateTimeOffset now) =>
        e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var t)
        && t >= CaptureValidation.EarliestTimestamp && t <= now + CaptureValidation.MaxAhead
            ? t.ToUniversalTime()
            : now;

    private static JsonElement Element(JsonElement root, string field) =>
        root.TryGetProperty(field, out var e) && e.ValueKind == JsonValueKind.Object ? e : throw new InvalidOperationException($"payload has no {field}");

    private static T Require<T>(T? value, string what) where T : class => value ?? throw new InvalidOperationException($"payload has no {what}");

    private static long Require(long? value, string what) => value ?? throw new InvalidOperationException($"payload has no {what}");

    private static JsonElement? At(JsonElement e, string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        }
        return e;
    }

    private static string? Str(JsonElement e, params string[] path) => At(e, path) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    private static long? Long(JsonElement e, params string[] path) =>
        At(e, path) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var v) ? v : null;

    private static int? Int(JsonElement e, string field) =>
        e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
