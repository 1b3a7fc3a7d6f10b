using System.Text.Json;
using FeedbackDashboard.Core.Bots;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Comments;
using FeedbackDashboard.Core.Data;
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
                    await RepositoryChanges.LoseAccessAsync(conn, tx, inst, ids, names, "was removed from the installation (webhook)", now, ct);
                else
                {
                    await RepositoryChanges.MoveToInstallationAsync(conn, tx, inst, ids, names, ct);
                    await ResumeAsync(conn, tx, inst, ids, names, now, ct);
                }
                return true;
            }
            case ("installation", "created"):
            {
                // A new installation (the App installed again) lists the repositories it reaches.
                var inst = Require(Long(root, "installation", "id"), "installation.id");
                var (ids, names) = At(root, ["repositories"]) is { ValueKind: JsonValueKind.Array } ? Repositories(root, "repositories") : ([], []);
                await RepositoryChanges.MoveToInstallationAsync(conn, tx, inst, ids, names, ct);
                await ResumeAsync(conn, tx, inst, ids, names, now, ct);
                return true;
            }
            case ("installation", "deleted" or "suspend"):
                await RepositoryChanges.LoseAccessAsync(conn, tx, Require(Long(root, "installation", "id"), "installation.id"), null, null,
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
                await CommentChanges.RetireRepositoryAsync(conn, tx, inst, gid, name, now, Recheck, ct);
                return true;
            }
            case ("pull_request_review_comment" or "issue_comment", "created") or ("pull_request_review", "submitted"):
                // A profiled bot's comment or review becomes a registered comment and run, in this delivery's transaction.
                return await observed.ApplyAsync(conn, tx, eventName, root, now, ct);
            case ("pull_request_review_comment" or "issue_comment", "deleted" or "edited"):
            {
                var comment = new CommentKey(eventName == "issue_comment" ? CommentKind.Reply : CommentKind.Inline,
                    Require(Long(root, "comment", "id"), "comment.id"));
                // Only the delivering installation's comment: an id alone would reach any installation's row.
                var inst = Require(Long(root, "installation", "id"), "installation.id");
                if (action == "deleted")
                    await CommentChanges.RetireAsync(conn, tx, [comment], inst, now, Recheck, ct);
                else
                    await CommentChanges.EditAsync(conn, tx, comment, inst, Str(root, "comment", "body") ?? "", ct);
                await Dispositions.DecideAsync(conn, tx, new DispositionScope.Comments([comment]), ct);
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
                await CommentChanges.SetThreadResolvedAsync(conn, tx, inst, ids, resolved,
                    resolved ? Str(root, "sender", "login") : null, resolved ? Str(root, "sender", "type") == "Bot" : null,
                    Str(root, "thread", "node_id"), now, ct);
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

    /// <summary>Access back: the access_lost condition clears and the repositories' comments are due now, so the next cycle polls them.</summary>
    private static async Task ResumeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long inst, long[]? ids, string[]? names,
        DateTimeOffset now, CancellationToken ct) =>
        await CommentChanges.MakeDueAsync(conn, tx, await RepositoryChanges.RegainAccessAsync(conn, tx, inst, ids, names, ct), now, ct);

    /// <summary>The registered repository with this numeric id (or, before it learned it, its former name) takes the new name.</summary>
    private static Task RenamedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, JsonElement root, string? action,
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
        return RepositoryChanges.FollowRenameAsync(conn, tx, delivering, gid, oldName, newName, now, ct);
    }

    /// <summary>A direct collaborator added, edited or removed on the delivering installation's repository.</summary>
    private static Task CollaboratorAsync(NpgsqlConnection conn, NpgsqlTransaction tx, JsonElement root, bool removed, DateTimeOffset now,
        CancellationToken ct)
    {
        var inst = Require(Long(root, "installation", "id"), "installation.id");
        var gid = Require(Long(root, "repository", "id"), "repository.id");
        var name = Require(Str(root, "repository", "full_name"), "repository.full_name").ToLowerInvariant();
        var uid = Require(Long(root, "member", "id"), "member.id");
        var login = Require(Str(root, "member", "login"), "member.login");
        return removed
            ? MaintainerChanges.CollaboratorRemovedAsync(conn, tx, inst, gid, name, uid, login, now, ct)
            : MaintainerChanges.CollaboratorAddedAsync(conn, tx, inst, gid, name, uid, login, now, ct);
    }

    /// <summary>An org member added or removed, on the delivering installation's repositories of the org.</summary>
    private static Task OrgMemberAsync(NpgsqlConnection conn, NpgsqlTransaction tx, JsonElement root, bool removed, DateTimeOffset now,
        CancellationToken ct)
    {
        var inst = Require(Long(root, "installation", "id"), "installation.id");
        var org = Require(Str(root, "organization", "login"), "organization.login").ToLowerInvariant();
        var uid = Require(Long(root, "membership", "user", "id"), "membership.user.id");
        var login = Require(Str(root, "membership", "user", "login"), "membership.user.login");
        return removed
            ? MaintainerChanges.OrgMemberRemovedAsync(conn, tx, inst, org, uid, login, now, ct)
            : MaintainerChanges.OrgMemberAddedAsync(conn, tx, inst, org, uid, login, now, ct);
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
