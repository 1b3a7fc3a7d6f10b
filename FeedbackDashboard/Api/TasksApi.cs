using FeedbackDashboard.Core.ApiKeys;
using FeedbackDashboard.Core.Capture;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace FeedbackDashboard.Api;

/// <summary>Runs, the comments the bot posted on them, review captures, and their feedback.</summary>
public static class TasksApi
{
    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);
        // 409: the repository is registered under another installation, or the run belongs to another one.

        tasks.MapPost("/", RegisterAsync).RequireScope(Scopes.ReviewWrite).WithJsonBody<TaskInput>()
            .WithName("registerTask").Problems(409).WithIdempotencyKeyHeader()
            .WithSummary("Register or update a review run")
            .WithDescription("Scope review:write. Upserts the run by id (a new uuid when omitted). An unknown repository is registered under installation_id; a registered one keeps the installation GitHub reported for it: another installation_id is a 409 naming the right one (403 when it is outside a limited key's installations), and an existing run never moves to another installation (409). 201 when created (Location: the run), 200 when updated. With an Idempotency-Key header, a repeat of the same request with the same key within 24 h answers the first answer again and creates nothing (Idempotent-Replayed: true); the same key with another body is a 409.");
        tasks.MapGet("/{id}", GetAsync).RequireScope(Scopes.ReviewRead).ProducesProblem(404).WithName("getTask")
            .WithSummary("One run with its 👍/👎 totals")
            .WithDescription("Scope review:read. What POST /api/tasks's Location points to: the run's repository, installation, pull request and author (association resolved now), labels, source (api) and totals.");
        tasks.MapPost("/{id}/comments", AddCommentsAsync).RequireScope(Scopes.ReviewWrite)
            .WithJsonBody<List<CommentInput>>().ProducesProblem(404).WithName("addComments")
            .WithSummary("Record the comments the bot posted on a run")
            .WithDescription("Scope review:write. Up to 1,000 comments; idempotent on (kind, github_comment_id).");
        tasks.MapPost("/{id}/reviews", AddReviewAsync).RequireScope(Scopes.ReviewWrite)
            .WithJsonBody<ReviewCaptureInput>().ProducesProblem(404).WithName("captureReview")
            .WithSummary("Capture a review's comments by review id")
            .WithDescription("Scope review:write. 202: the poller later reads the review's comments from GitHub and records them, matched to findings by (file, line).");
        tasks.MapGet("/", ListAsync).RequireScope(Scopes.ReviewRead).WithName("listTasks").WithQuery(ApiQuery.TaskList)
            .WithSummary("List runs, newest first, with 👍/👎 counts")
            .WithDescription("Scope review:read. Filters: repository, from, to (on the run's created_at), has_down, down_not_addressed (a run with a 👎 comment that was not addressed), label.KEY=VALUE (runs with that label), rule and category (runs with a comment of that rule / category); page, page_size (≤ 200).");
        tasks.MapGet("/{id}/feedback", FeedbackAsync).RequireScope(Scopes.ReviewRead).Produces<TaskFeedback>().ProducesProblem(404)
            .WithName("getTaskFeedback")
            .WithSummary("A run's comments with 👍/👎 and who reacted")
            .WithDescription("Scope review:read. Roles are resolved at read time: the live maintainers row wins over the stored association.");
        return app;
    }

    public sealed record TaskCreated(Guid Id);

    public sealed record CommentsAccepted(Guid TaskId, int Received, int Inserted);

    public sealed record ReviewAccepted(Guid TaskId, long GithubReviewId, string Status);

    private static async Task<Results<Created<TaskCreated>, Ok<TaskCreated>, ProblemHttpResult>> RegisterAsync(
        HttpRequest request, CaptureService capture, InstallationLookup installations, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var idempotencyKey = request.Headers[IdempotencyKeys.Header].FirstOrDefault();
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > IdempotencyKeys.MaxLength || idempotencyKey.Any(char.IsControl)))
            return JsonBody.Bad(IdempotencyKeys.Header, $"must be 1 to {IdempotencyKeys.MaxLength} characters without control characters");
        var (input, problem) = await JsonBody.ReadAsync<TaskInput>(request, ct);
        if (problem is not null) return problem;
        var errors = CaptureValidation.Validate(input!, time.GetUtcNow());
        if (errors.Count > 0) return JsonBody.Invalid(errors);
        input = input! with { CreatedAt = input.CreatedAt?.ToUniversalTime() };
        var reach = KeyReach.Of(request.HttpContext.User);
        if (!reach.Allows(input.InstallationId)) return reach.Forbidden($"installation_id {input.InstallationId} is not one of them");
        if (input.Id is { } existing && await reach.CheckTaskAsync(existing, installations, ct) is { } forbidden) return forbidden;
        if (reach.Limited && await installations.OfRepositoryAsync(input.Repository!, ct) is { } registered && !reach.Allows(registered))
            return reach.Forbidden($"repository {input.Repository!.ToLowerInvariant()} is registered under another installation");

        if (idempotencyKey is not null)
        {
            var owner = request.HttpContext.User.Identity?.Name ?? "";
            var reserved = await IdempotencyKeys.ReserveAsync(db, owner, idempotencyKey, IdempotencyKeys.Hash(input),
                input.Id ?? Guid.CreateVersion7(time.GetUtcNow()), time.GetUtcNow(), ct);
            if (!reserved.SameRequest)
                return TypedResults.Problem(detail: $"this {IdempotencyKeys.Header} was used within 24 h for another request body", statusCode: 409,
                    title: "Conflict", extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [IdempotencyKeys.Header] = ["was used for another request body"] } });
            if (reserved.FirstStatus is { } first)
            {
                request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
                return first == StatusCodes.Status201Created
                    ? TypedResults.Created($"/api/tasks/{reserved.TaskId}", new TaskCreated(reserved.TaskId))
                    : TypedResults.Ok(new TaskCreated(reserved.TaskId));
            }
            var keyed = await capture.RegisterTaskAsync(input with { Id = reserved.TaskId }, ct);
            if (keyed.Result == Upsert.Conflict) return InstallationConflict(keyed.Conflict!);
            // Without an id in the body the run exists only because of this key: its first answer was a 201.
            var status = keyed.Result == Upsert.Created || input.Id is null ? StatusCodes.Status201Created : StatusCodes.Status200OK;
            await IdempotencyKeys.RecordAsync(db, owner, idempotencyKey, status, ct);
            return status == StatusCodes.Status201Created
                ? TypedResults.Created($"/api/tasks/{keyed.Id}", new TaskCreated(keyed.Id))
                : TypedResults.Ok(new TaskCreated(keyed.Id));
        }

        var registration = await capture.RegisterTaskAsync(input, ct);
        return registration.Result switch
        {
            Upsert.Created => TypedResults.Created($"/api/tasks/{registration.Id}", new TaskCreated(registration.Id)),
            Upsert.Updated => TypedResults.Ok(new TaskCreated(registration.Id)),
            _ => InstallationConflict(registration.Conflict!),
        };
    }

    private static async Task<Results<Ok<TaskView>, ProblemHttpResult>> GetAsync(string id, HttpContext http, FeedbackQueries queries,
        InstallationLookup installations, CancellationToken ct)
    {
        if (QueryArgs.TaskId(id, out var badId) is not { } taskId) return badId!;
        if (await KeyReach.Of(http.User).CheckTaskAsync(taskId, installations, ct) is { } forbidden) return forbidden;
        return await queries.GetTaskAsync(taskId, ct) is { } task ? TypedResults.Ok(task) : TaskNotFound(taskId);
    }

    private static async Task<Results<Ok<CommentsAccepted>, ProblemHttpResult>> AddCommentsAsync(
        string id, HttpRequest request, CaptureService capture, InstallationLookup installations, TimeProvider time, CancellationToken ct)
    {
        if (QueryArgs.TaskId(id, out var badId) is not { } taskId) return badId!;
        var (input, problem) = await JsonBody.ReadAsync<List<CommentInput?>>(request, ct);
        if (problem is not null) return problem;
        var errors = CaptureValidation.Validate(input!, time.GetUtcNow());
        if (errors.Count > 0) return JsonBody.Invalid(errors);
        if (!await capture.TaskExistsAsync(taskId, ct)) return TaskNotFound(taskId);
        if (await KeyReach.Of(request.HttpContext.User).CheckTaskAsync(taskId, installations, ct) is { } forbidden) return forbidden;

        var recorded = await capture.AddCommentsAsync(taskId, input!.Select(c => c!.ToCaptured()).ToList(), ct);
        return TypedResults.Ok(new CommentsAccepted(taskId, recorded.Received, recorded.Inserted));
    }

    private static async Task<Results<Accepted<ReviewAccepted>, ProblemHttpResult>> AddReviewAsync(
        string id, HttpRequest request, CaptureService capture, InstallationLookup installations, CancellationToken ct)
    {
        if (QueryArgs.TaskId(id, out var badId) is not { } taskId) return badId!;
        var (input, problem) = await JsonBody.ReadAsync<ReviewCaptureInput>(request, ct);
        if (problem is not null) return problem;
        var errors = CaptureValidation.Validate(input!);
        if (errors.Count > 0) return JsonBody.Invalid(errors);
        if (!await capture.TaskExistsAsync(taskId, ct)) return TaskNotFound(taskId);
        if (await KeyReach.Of(request.HttpContext.User).CheckTaskAsync(taskId, installations, ct) is { } forbidden) return forbidden;

        var status = await capture.AddReviewCaptureAsync(taskId, input!, ct);
        return TypedResults.Accepted($"/api/tasks/{taskId}/feedback", new ReviewAccepted(taskId, input!.GithubReviewId!.Value, status));
    }

    private static async Task<Results<Ok<TaskPage>, ProblemHttpResult>> ListAsync(HttpRequest request, FeedbackQueries queries,
        InstallationLookup installations, CancellationToken ct)
    {
        var q = new QueryArgs(request);
        var repository = q.Repository();
        var from = q.Date("from");
        var to = q.Date("to");
        q.Range(from, to);
        var page = q.Int("page", 1, 1, 1_000_000);
        var pageSize = q.Int("page_size", 50, 1, FeedbackQueries.MaxPageSize);
        var hasDown = q.Bool("has_down");
        var downNotAddressed = q.Bool("down_not_addressed");
        var labels = q.Labels();
        var rule = q.Text("rule", CaptureValidation.Limits.Rule);
        var category = q.Text("category", CaptureValidation.Limits.Category);
        var source = RunSources.Parse(q.String("source"));
        if (source is null && q.String("source") is not null) q.Errors["source"] = ["must be api or observed"];
        if (q.String("bot") is { } bot)
        {
            if (!Core.Bots.BotValidation.IsName(bot)) q.Errors["bot"] = [$"the bot name {Core.Bots.BotValidation.NameRule}"];
            else if (labels is not null && labels.TryGetValue("bot", out var other) && other != bot) q.Errors["bot"] = ["contradicts label.bot"];
            else (labels ??= [])["bot"] = bot;
        }
        if (q.Problem is { } problem) return problem;
        var reach = KeyReach.Of(request.HttpContext.User);
        if (await reach.CheckRepositoryFilterAsync(repository, installations, ct) is { } forbidden) return forbidden;

        var filter = new TaskFilter(repository, from, to, hasDown, DownNotAddressed: downNotAddressed)
        {
            Labels = labels,
            Rule = rule,
            Category = category,
            Installations = reach.RunFilter,
            Source = source,
        };
        return TypedResults.Ok(await queries.ListTasksAsync(filter, page, pageSize, ct));
    }

    // Written with the generated serializer's own options: the app's HTTP options add an enum converter and strict
    // number reading, which make System.Text.Json fall back from the generated fast path to its metadata walk (the
    // converter stack was the top managed frame of a profile under wrk). The bytes are the same
    // (ApiJsonTests compares them); the answer is the busiest read other services poll.
    private static async Task<Results<JsonHttpResult<TaskFeedback>, ProblemHttpResult>> FeedbackAsync(
        string id, HttpContext http, FeedbackQueries queries, InstallationLookup installations, CancellationToken ct)
    {
        if (QueryArgs.TaskId(id, out var badId) is not { } taskId) return badId!;
        if (await KeyReach.Of(http.User).CheckTaskAsync(taskId, installations, ct) is { } forbidden) return forbidden;
        return await queries.GetTaskFeedbackAsync(taskId, ct) is { } feedback
            ? TypedResults.Json(feedback, ApiJsonContext.Default.TaskFeedback)
            : TaskNotFound(taskId);
    }

    private static ProblemHttpResult InstallationConflict(string conflict) =>
        TypedResults.Problem(detail: conflict, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["installation_id"] = [conflict] } });

    public static ProblemHttpResult TaskNotFound(Guid id) =>
        TypedResults.Problem(detail: $"no task {id}", statusCode: 404, title: "Not Found");
}
