using System.Text.Json;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.GitHub;
using FeedbackDashboard.Core.Maintainers;
using FeedbackDashboard.Core.Model;
using FeedbackDashboard.Core.Reactions;
using FeedbackDashboard.Core.Repositories;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Core.Webhooks;

/// <summary>applied: it changed what it names (or found nothing of ours to change); ignored: an event or action we don't
/// use; failed: a payload we could not use (logged, acknowledged); replay: this delivery was seen before, nothing done.</summary>
/// <summary>
/// Applies a verified GitHub App delivery once: the delivery's row and its effect commit in one transaction, so a
/// replay of the same X-GitHub-Delivery finds the row and does nothing, and two copies arriving together apply once (the
/// second waits on the first's primary key). Every effect is one set-based statement over what the payload names, under
/// the poller's rules: access lost pauses and never retires, a rename follows GitHub's numeric id, a deletion retires
/// and keeps feedback. The next poll or maintainers refresh reconciles whatever a late or reordered delivery got wrong.
/// </summary>
public sealed class WebhookProcessor(NpgsqlDataSource db, FeedbackSettings settings, TimeProvider time, ObservedComments observed,
    ILogger<WebhookProcessor> log)
{
    /// <summary>The events the App should subscribe to; any other is acknowledged and ignored.</summary>
    public static readonly IReadOnlyList<string> Events =
    [
        "installation", "installation_repositories", "repository", "pull_request_review_comment", "issue_comment",
        "pull_request_review", "pull_request_review_thread", "pull_request", "member", "organization",
    ];

    public async Task<DeliveryOutcome> ApplyAsync(string guid, string eventName, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        JsonDocument? doc = null;
        string? parseError = null;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            parseError = $"body is not JSON: {e.Message}";
        }
        using var _ = doc;
        var root = doc?.RootElement ?? default;
        var action = doc is null ? null : Str(root, "action");
        var installationId = doc is null ? null : Long(root, "installation", "id");

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var claim = new NpgsqlCommand("""
            insert into webhook_deliveries (guid, event, action, installation_id, received_at, outcome)
            values (@guid, @event, @action, @inst, @now, 'applied') on conflict (guid) do nothing
            """, conn, tx))
        {
            claim.Parameters.AddWithValue("guid", guid);
            claim.Parameters.AddWithValue("event", eventName);
            claim.Parameters.AddWithValue("action", NpgsqlTypes.NpgsqlDbType.Text, (object?)action ?? DBNull.Value);
            claim.Parameters.AddWithValue("inst", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)installationId ?? DBNull.Value);
            claim.Parameters.AddWithValue("now", now);
            if (await claim.ExecuteNonQueryAsync(ct) == 0)
            {
                await tx.RollbackAsync(ct);
                return DeliveryOutcome.Replay;
            }
        }

        DeliveryOutcome outcome;
        string? detail = parseError;
        if (doc is null || root.ValueKind != JsonValueKind.Object)
        {
            outcome = DeliveryOutcome.Failed;
            detail ??= "body is not a JSON object";
        }
        else
        {
            // A payload we can't use (a shape we did not expect, a null or a value the schema refuses, whatever it throws)
            // rolls back its effect only: the delivery is still recorded once, as failed, and acknowledged; a lost database
            // connection or a timeout is not caught and the caller answers 503, so GitHub keeps it to redeliver.
            await tx.SaveAsync("effect", ct);
            try
            {
                outcome = await EffectAsync(conn, tx, eventName, action, root, now, ct) ? DeliveryOutcome.Applied : DeliveryOutcome.Ignored;
            }
            catch (Exception e) when (e is not (OperationCanceledException or NpgsqlException) || e is PostgresException)
            {
                await tx.RollbackAsync("effect", ct);
                outcome = DeliveryOutcome.Failed;
                detail = e.Message;
            }
        }

        if (outcome != DeliveryOutcome.Applied)
        {
            await using var mark = new NpgsqlCommand("update webhook_deliveries set outcome = @outcome, detail = @detail where guid = @guid", conn, tx);
            mark.Parameters.AddWithValue("outcome", outcome.ToWire());
            mark.Parameters.AddWithValue("detail", NpgsqlTypes.NpgsqlDbType.Text, (object?)detail ?? DBNull.Value);
            mark.Parameters.AddWithValue("guid", guid);
            await mark.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        if (outcome == DeliveryOutcome.Failed)
            log.LogWarning("Webhook {Guid} ({Event}.{Action}) could not be used, acknowledged: {Detail}", guid, eventName, action, detail);
        else
            log.LogInformation("Webhook {Guid} ({Event}.{Action}) {Outcome}", guid, eventName, action, outcome);
        return outcome;
    }

    /// <summary>False when the event or action is not one we use.</summary>
    private async Task<bool> EffectAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string eventName, string? action, JsonElement root,
        DateTimeOffset now, CancellationToken ct)
    {
        switch (eventName, action)
        {
            case ("installation_repositories", "removed" or "added"):
            {
                var inst = Require(Long(root, "installation", "id"), "installation.id");
                var field = action == "removed" ? "repositories_removed" : "repositories_added";
                var (ids, names) = Repositories(root, field);
                if (action == "removed")
                    await PauseAsync(conn, tx, inst, ids, names, "was removed from the installation (webhook)", now, ct);
                else
                {
                    await AdoptAsync(conn, tx, inst, ids, names, ct);
                    await ResumeAsync(conn, tx, inst, ids, names, now, ct);
                }
                return true;
            }
            case ("installation", "created"):
            {
                // A new installation (the App installed again) lists the repositories it reaches.
                var inst = Require(Long(root, "installation", "id"), "installation.id");
                var (ids, names) = At(root, ["repositories"]) is { ValueKind: JsonValueKind.Array } ? Repositories(root, "repositories") : ([], []);
                await AdoptAsync(conn, tx, inst, ids, names, ct);
                await ResumeAsync(conn, tx, inst, ids, names, now, ct);
                return true;
            }
            case ("installation", "deleted" or "suspend"):
                await PauseAsync(conn, tx, Require(Long(root, "installation", "id"), "installation.id"), null, null,
                    action == "deleted" ? "is unreachable: the App was uninstalled (webhook)" : "is unreachable: the installation is suspended (webhook)",
                    now, ct);
                return true;
            case ("installation", "unsuspend"):
                await ResumeAsync(conn, tx, Require(Long(root, "installation", "id"), "installation.id"), null, null, now, ct);
                return true;
            case ("repository", "renamed" or "transferred"):
                await RenamedAsync(conn, tx, root, action, now, ct);
                return true;
            case ("repository", "deleted"):
            {
                var inst = Require(Long(root, "installation", "id"), "installation.id");
                var gid = Require(Long(root, "repository", "id"), "repository.id");
                var name = Require(Str(root, "repository", "full_name"), "repository.full_name").ToLowerInvariant();
                await ExecAsync(conn, tx, """
                    update review_comments c set gone_at = coalesce(c.gone_at, @now), next_due_at = @now + @recheck
                    from tasks t join repositories r on r.id = t.repository_id
                    where c.task_id = t.id and r.installation_id = @inst
                      and (r.github_id = @gid or (r.github_id is null and r.full_name = @name))
                    """, ct, ("now", now), ("recheck", Recheck), ("inst", inst), ("gid", gid), ("name", name));
                return true;
            }
            case ("pull_request_review_comment" or "issue_comment", "created") or ("pull_request_review", "submitted"):
                // A profiled bot's comment or review becomes a registered comment and run, in this delivery's transaction.
                return await observed.ApplyAsync(conn, tx, eventName, root, now, ct);
            case ("pull_request_review_comment" or "issue_comment", "deleted" or "edited"):
            {
                var kind = eventName == "issue_comment" ? CommentKind.Reply : CommentKind.Inline;
                var id = Require(Long(root, "comment", "id"), "comment.id");
                // Only the delivering installation's comment: an id alone would reach any installation's row.
                var inst = Require(Long(root, "installation", "id"), "installation.id");
                if (action == "deleted")
                {
                    await ExecAsync(conn, tx, """
                        update review_comments set gone_at = coalesce(gone_at, @now), next_due_at = @now + @recheck
                        where kind = @kind and github_comment_id = @id and installation_id = @inst
                        """, ct, ("now", now), ("recheck", Recheck), ("kind", kind.ToWire()), ("id", id), ("inst", inst));
                }
                else
                {
                    var body = Str(root, "comment", "body") ?? "";
                    await ExecAsync(conn, tx, """
                        update review_comments set body = @body, suggested_lines = @suggested
                        where kind = @kind and github_comment_id = @id and installation_id = @inst
                        """, ct, ("body", body), ("suggested", Suggestions.Lines(body)), ("kind", kind.ToWire()), ("id", id), ("inst", inst));
                }
                await Dispositions.DecideAsync(conn, tx, new DispositionScope.Comments([new CommentKey(kind, id)]), ct);
                return true;
            }
            case ("pull_request_review_thread", "resolved" or "unresolved"):
            {
                var resolved = action == "resolved";
                var inst = Require(Long(root, "installation", "id"), "installation.id");
                if (At(root, ["thread", "comments"]) is not { ValueKind: JsonValueKind.Array } comments)
                    throw new InvalidOperationException("payload has no thread.comments list");
                var ids = comments.EnumerateArray().Select(c => Long(c, "id")).OfType<long>().ToArray();
                // The sender is who resolved it: the comment's own author, another Bot, or a person (resolved_by_kind).
                await ExecAsync(conn, tx, """
                    update review_comments set resolved = @resolved, resolved_by = @by, resolved_by_bot = @bot::boolean,
                        thread_node_id = coalesce(@thread, thread_node_id),
                        resolved_at = coalesce(resolved_at, case when @resolved then @now end),
                        resolved_by_kind = review_comment_resolver_kind(@resolved, @by, @bot::boolean, author_login, null)
                    where kind = 'inline' and github_comment_id = any(@ids) and installation_id = @inst
                    """, ct, ("resolved", resolved), ("inst", inst), ("now", now),
                    ("by", resolved ? Str(root, "sender", "login") : null),
                    ("bot", resolved ? Str(root, "sender", "type") == "Bot" : null),
                    ("thread", Str(root, "thread", "node_id")), ("ids", ids));
                await Dispositions.DecideAsync(conn, tx, new DispositionScope.Comments([.. ids.Select(i => new CommentKey(CommentKind.Inline, i))]), ct);
                return true;
            }
            case ("pull_request", "synchronize"):
            {
                // A push: the poller lists the commits (the serve role holds no App key); only this installation's repository.
                var number = (int)Require(Long(root, "pull_request", "number"), "pull_request.number");
                await AppliedSuggestions.WantLookAsync(conn, tx, Require(Long(root, "installation", "id"), "installation.id"),
                    Require(Long(root, "repository", "id"), "repository.id"),
                    Require(Str(root, "repository", "full_name"), "repository.full_name"), number,
                    Str(root, "after") ?? Str(root, "pull_request", "head", "sha"), now, ct);
                return true;
            }
            case ("member", "added" or "edited" or "removed"):
                await CollaboratorAsync(conn, tx, root, removed: action == "removed", now, ct);
                return true;
            case ("organization", "member_added" or "member_removed"):
                await OrgMemberAsync(conn, tx, root, removed: action == "member_removed", now, ct);
                return true;
            default:
                return false;
        }
    }

    private TimeSpan Recheck => settings.PollerInterval * PollScheduling.RecheckCycles;

    /// <summary>
    /// The numeric ids and names of a delivery's repository list; an entry may lack either (a null is not trusted to be
    /// a name), and one without both names nothing.
    /// </summary>
    private static (long[] Ids, string[] Names) Repositories(JsonElement root, string field)
    {
        if (At(root, [field]) is not { ValueKind: JsonValueKind.Array } list) throw new InvalidOperationException($"payload has no {field} list");
        var ids = new List<long>();
        var names = new List<string>();
        foreach (var entry in list.EnumerateArray())
        {
            if (Long(entry, "id") is { } id) ids.Add(id);
            if (Str(entry, "full_name") is { } name && CaptureValidation.IsRepository(name)) names.Add(name.ToLowerInvariant());
        }
        return (ids.ToArray(), names.ToArray());
    }

    /// <summary>
    /// GitHub says these repositories are now the installation's (added to it, or the App installed again): a registered
    /// one under another installation moves here, with its comments (a trigger), and the old installation's conditions
    /// about it close. This is the only way a repository changes installation; the API never moves one.
    /// </summary>
    private static Task AdoptAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long inst, long[] ids, string[] names, CancellationToken ct) =>
        ExecAsync(conn, tx, """
            with moved as (
                update repositories r set installation_id = @inst
                where r.installation_id <> @inst and (r.github_id = any(@ids) or (r.github_id is null and r.full_name = any(@names)))
                returning r.id)
            delete from poller_conditions pc using moved where pc.repository_id = moved.id and pc.installation_id <> @inst
            """, ct, ("inst", inst), ("ids", ids), ("names", names));

    /// <summary>The installation's repositories named (or all of them): comments pause with an access_lost condition, nothing is retired.</summary>
    private static Task PauseAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long inst, long[]? ids, string[]? names, string why,
        DateTimeOffset now, CancellationToken ct) =>
        ExecAsync(conn, tx, """
            with lost as (
                update repositories r set access_lost_at = coalesce(r.access_lost_at, @now)
                where r.installation_id = @inst and r.installed
                  and (@all or r.github_id = any(@ids) or (r.github_id is null and r.full_name = any(@names)))
                returning r.id, r.full_name)
            insert into poller_conditions (installation_id, repository_id, kind, since, detail, updated_at)
            select @inst, id, 'access_lost', @now, full_name || ' ' || @why, @now from lost
            on conflict (installation_id, coalesce(repository_id, 0), kind) do update set detail = excluded.detail, updated_at = excluded.updated_at
            """, ct, ("now", now), ("inst", inst), ("all", ids is null), ("ids", ids ?? []), ("names", names ?? []), ("why", why));

    /// <summary>Access back: the condition clears and the comments are due now, so the next cycle polls them.</summary>
    private static Task ResumeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long inst, long[]? ids, string[]? names,
        DateTimeOffset now, CancellationToken ct) =>
        ExecAsync(conn, tx, """
            with back as (
                update repositories r set access_lost_at = null
                where r.installation_id = @inst and r.installed
                  and (@all or r.github_id = any(@ids) or (r.github_id is null and r.full_name = any(@names)))
                returning r.id),
            cleared as (
                delete from poller_conditions pc using back
                where pc.installation_id = @inst and pc.repository_id = back.id and pc.kind = 'access_lost')
            update review_comments c set next_due_at = least(c.next_due_at, @now)
            from tasks t join back on back.id = t.repository_id
            where c.task_id = t.id and c.gone_at is null
            """, ct, ("now", now), ("inst", inst), ("all", ids is null), ("ids", ids ?? []), ("names", names ?? []));

    /// <summary>The registered repository with this numeric id (or, before it learned it, its former name) takes the new name.</summary>
    private static async Task RenamedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, JsonElement root, string? action,
        DateTimeOffset now, CancellationToken ct)
    {
        var delivering = Require(Long(root, "installation", "id"), "installation.id");
        var gid = Require(Long(root, "repository", "id"), "repository.id");
        var newName = Require(Str(root, "repository", "full_name"), "repository.full_name");
        if (!CaptureValidation.IsRepository(newName)) throw new InvalidOperationException("repository.full_name is not owner/name");
        var repoName = Require(Str(root, "repository", "name"), "repository.name");
        var oldName = action == "renamed"
            ? $"{Str(root, "repository", "owner", "login")}/{Str(root, "changes", "repository", "name", "from")}"
            : $"{Str(root, "changes", "owner", "from", "user", "login") ?? Str(root, "changes", "owner", "from", "organization", "login")}/{repoName}";

        await using var find = new NpgsqlCommand("""
            select id, full_name, installation_id from repositories
            where installation_id = @inst and (github_id = @gid or (github_id is null and full_name = @old)) order by github_id nulls last limit 1
            """, conn, tx);
        find.Parameters.AddWithValue("inst", delivering);
        find.Parameters.AddWithValue("gid", gid);
        find.Parameters.AddWithValue("old", oldName.ToLowerInvariant());
        long id, inst;
        string current;
        await using (var r = await find.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct)) return;
            (id, current, inst) = (r.GetInt64(0), r.GetString(1), r.GetInt64(2));
        }
        await ExecAsync(conn, tx, "update repositories set github_id = @gid where id = @id and not exists (select 1 from repositories where github_id = @gid)",
            ct, ("gid", gid), ("id", id));
        if (current == newName.ToLowerInvariant()) return;
        var kept = await RepositoryAccess.RenameAsync(conn, tx, id, current, newName, ct);
        await ExecAsync(conn, tx, """
            insert into poller_conditions (installation_id, repository_id, kind, since, detail, updated_at)
            values (@inst, @repo, 'renamed', @now, @detail, @now)
            on conflict (installation_id, coalesce(repository_id, 0), kind) do update set since = excluded.since, detail = excluded.detail, updated_at = excluded.updated_at
            """, ct, ("inst", inst), ("repo", kept), ("now", now), ("detail", $"{current} → {newName.ToLowerInvariant()}"));
    }

    /// <summary>A direct collaborator: added or edited gives a COLLABORATOR row (a stronger row stays), removed takes that row away.</summary>
    private static Task CollaboratorAsync(NpgsqlConnection conn, NpgsqlTransaction tx, JsonElement root, bool removed, DateTimeOffset now,
        CancellationToken ct)
    {
        var args = new (string, object?)[]
        {
            ("inst", Require(Long(root, "installation", "id"), "installation.id")),
            ("gid", Require(Long(root, "repository", "id"), "repository.id")),
            ("name", Require(Str(root, "repository", "full_name"), "repository.full_name").ToLowerInvariant()),
            ("uid", Require(Long(root, "member", "id"), "member.id")),
            ("login", Require(Str(root, "member", "login"), "member.login")),
            ("now", now),
        };
        // Removed: a collaborator-only row goes; a member's or owner's row stays and is no longer a collaborator's.
        return removed
            ? ExecAsync(conn, tx, """
                with repo as (select full_name from repositories r
                              where r.installation_id = @inst and (r.github_id = @gid or (r.github_id is null and r.full_name = @name))),
                gone as (delete from maintainers m using repo
                         where m.repo_full_name = repo.full_name and m.github_id = @uid and m.association = 'COLLABORATOR')
                update maintainers m set collaborator = false from repo
                where m.repo_full_name = repo.full_name and m.github_id = @uid and m.association <> 'COLLABORATOR'
                """, ct, args)
            : ExecAsync(conn, tx, $"""
                insert into maintainers (repo_full_name, github_id, login, association, collaborator, refreshed_at)
                select r.full_name, @uid, @login, '{Associations.Collaborator}', true, @now from repositories r
                where r.installed and r.installation_id = @inst and (r.github_id = @gid or (r.github_id is null and r.full_name = @name))
                on conflict (repo_full_name, github_id) do update set login = excluded.login, collaborator = true
                """, ct, args);
    }

    /// <summary>
    /// An org member: a MEMBER row on every registered repository of the org (an OWNER row stays), or, removed, their
    /// MEMBER rows go, except where they are a direct collaborator too: those become COLLABORATOR.
    /// </summary>
    private static Task OrgMemberAsync(NpgsqlConnection conn, NpgsqlTransaction tx, JsonElement root, bool removed, DateTimeOffset now,
        CancellationToken ct)
    {
        var args = new (string, object?)[]
        {
            ("inst", Require(Long(root, "installation", "id"), "installation.id")),
            ("org", Require(Str(root, "organization", "login"), "organization.login").ToLowerInvariant()),
            ("uid", Require(Long(root, "membership", "user", "id"), "membership.user.id")),
            ("login", Require(Str(root, "membership", "user", "login"), "membership.user.login")),
            ("now", now),
        };
        return removed
            ? ExecAsync(conn, tx, """
                with rows as (select m.repo_full_name from maintainers m join repositories r on r.full_name = m.repo_full_name
                              where r.installation_id = @inst and lower(r.owner) = @org and m.github_id = @uid and m.association = 'MEMBER'),
                gone as (delete from maintainers m using rows
                         where m.repo_full_name = rows.repo_full_name and m.github_id = @uid and not m.collaborator)
                update maintainers m set association = 'COLLABORATOR' from rows
                where m.repo_full_name = rows.repo_full_name and m.github_id = @uid and m.collaborator
                """, ct, args)
            : ExecAsync(conn, tx, """
                insert into maintainers (repo_full_name, github_id, login, association, refreshed_at)
                select r.full_name, @uid, @login, 'MEMBER', @now from repositories r
                where r.installed and r.installation_id = @inst and lower(r.owner) = @org
                on conflict (repo_full_name, github_id) do update set login = excluded.login,
                    association = case when maintainers.association = 'OWNER' then 'OWNER' else 'MEMBER' end
                """, ct, args);
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct,
        params (string Name, object? Value)[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var (name, value) in args)
        {
            if (value is null) cmd.Parameters.AddWithValue(name, NpgsqlTypes.NpgsqlDbType.Text, DBNull.Value);
            else cmd.Parameters.AddWithValue(name, value);
        }
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static T Require<T>(T? value, string what) where T : class =>
        value ?? throw new InvalidOperationException($"payload has no {what}");

    private static long Require(long? value, string what) =>
        value ?? throw new InvalidOperationException($"payload has no {what}");

    private static JsonElement? At(JsonElement e, string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        }
        return e;
    }

    internal static string? Str(JsonElement e, params string[] path) =>
        At(e, path) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    internal static long? Long(JsonElement e, params string[] path) =>
        At(e, path) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var v) ? v : null;
}
