using System.Net;
using System.Net.Sockets;
using Bunit;
using Bunit.TestDoubles;
using FeedbackDashboard.Components.Pages;
using FeedbackDashboard.Components.Shared;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Runs;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FeedbackDashboard.Tests.Components;

/// <summary>Each page's states — loading, empty, data, error — rendered by bUnit over the real Core services.</summary>
public sealed class PageTests : BunitBase, IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private TcpListener? _silent;

    public ValueTask InitializeAsync() => _db.InitializeAsync();

    public new async ValueTask DisposeAsync()
    {
        _silent?.Stop();
        await _db.DisposeAsync();
        await base.DisposeAsync();
    }

    private BunitPersistentComponentState UseDatabase(NpgsqlDataSource dataSource, Role role = Role.Serve, bool demoAllowed = true)
    {
        // As under ./run.sh: no sign-in, loopback only; demoAllowed: false is any other exposure.
        Services.AddSingleton(new DashboardExposure(demoAllowed ? "none" : "github", loopbackOnly: true));
        var settings = new FeedbackSettings { Role = role };
        Services.AddSingleton(settings);
        Services.AddSingleton(TimeProvider.System);
        Services.AddFeedbackCore(dataSource);
        return AddBunitPersistentComponentState();
    }

    /// <summary>A server that accepts connections and never answers: every query hangs.</summary>
    private NpgsqlDataSource Hanging()
    {
        _silent = new TcpListener(IPAddress.Loopback, 0);
        _silent.Start();
        return NpgsqlDataSource.Create($"Host=127.0.0.1;Port={((IPEndPoint)_silent.LocalEndpoint).Port};Username=x;Timeout=30");
    }

    /// <summary>Nothing listens there: every query fails at once.</summary>
    private static NpgsqlDataSource Unreachable() => NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Timeout=2");

    [Fact]
    public void Overview_shows_a_loading_bar_while_the_database_answers()
    {
        UseDatabase(Hanging());
        var cut = Render<Home>();
        Assert.Single(cut.FindAll("[data-testid=loading]"));
        Assert.Empty(cut.FindAll("[data-testid=empty-state]"));
    }

    [Fact]
    public void Overview_says_in_words_when_the_database_fails()
    {
        UseDatabase(Unreachable());
        var cut = Render<Home>();
        cut.WaitForAssertion(() => Assert.Contains("Could not load this page", cut.Find("[data-testid=error]").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Overview_on_an_empty_database_explains_how_data_arrives_and_loads_the_demo()
    {
        UseDatabase(_db.DataSource);
        var cut = Render<Home>();
        cut.WaitForAssertion(() => Assert.Contains("POST /api/tasks", cut.Find("[data-testid=empty-state]").TextContent), TimeSpan.FromSeconds(10));

        cut.Find("[data-testid=load-demo] , button[data-testid=load-demo]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Demo data", cut.Find("[data-testid=demo-banner]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("Acceptance", cut.Find("[data-testid=kpi-acceptance]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=empty-state]"));
    }

    [Fact]
    public void Overview_offers_no_demo_button_where_others_can_see_the_dashboard()
    {
        UseDatabase(_db.DataSource, demoAllowed: false);
        var cut = Render<Home>();
        cut.WaitForAssertion(() => Assert.Contains("POST /api/tasks", cut.Find("[data-testid=empty-state]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=load-demo]"));
    }

    [Fact]
    public async Task Overview_shows_the_figures_with_the_previous_period()
    {
        var now = DateTimeOffset.UtcNow;
        var task = await _db.TaskAsync("acme/ui", now.AddDays(-40));
        await _db.CommentAsync(task, "inline", 1, now.AddDays(-2));
        await _db.CommentAsync(task, "inline", 2, now.AddDays(-3));
        await _db.CommentAsync(task, "inline", 3, now.AddDays(-35));
        await _db.ReactionAsync("inline", 1, 10, "+1");
        await _db.ReactionAsync("inline", 1, 11, "+1");
        await _db.ReactionAsync("inline", 1, 12, "-1");
        await _db.ReactionAsync("inline", 3, 10, "-1");
        UseDatabase(_db.DataSource);

        var cut = Render<Home>();
        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=kpi-up-value]").TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.Equal("1", cut.Find("[data-testid=kpi-down-value]").TextContent.Trim());
        Assert.Contains("67", cut.Find("[data-testid=kpi-acceptance-value]").TextContent);
        Assert.Contains("1 of 2 comments drew a reaction", cut.Find("[data-testid=kpi-coverage]").TextContent);
        // The 30 days before: one comment, one 👎, acceptance 0 %.
        Assert.Contains("▲ previous period: 0", cut.Find("[data-testid=kpi-up-previous]").TextContent);
        Assert.Contains("0 %", cut.Find("[data-testid=kpi-acceptance-previous]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=demo-banner]"));
    }

    [Fact]
    public async Task Run_detail_lists_reactors_with_resolved_roles_and_filters_to_maintainers()
    {
        var now = DateTimeOffset.UtcNow;
        var task = await _db.TaskAsync("acme/detail", now, pr: 5, authorId: 7, authorLogin: "mona", association: "CONTRIBUTOR");
        await _db.CommentAsync(task, "inline", 1, now, "a.cs", 3);
        await _db.ReactionAsync("inline", 1, 7, "+1", login: "mona");
        await _db.ReactionAsync("inline", 1, 8, "-1", login: "stranger");
        await _db.MaintainerAsync("acme/detail", 7, "mona", "COLLABORATOR");
        UseDatabase(_db.DataSource);

        var cut = Render<RunDetail>(p => p.Add(x => x.Id, task));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=reactor]").Count), TimeSpan.FromSeconds(10));
        var badges = cut.FindAll("[data-testid=role-badge]").Select(b => b.TextContent.Trim()).ToList();
        Assert.Equal(["COLLABORATOR", "COLLABORATOR", "NONE"], badges); // author, then reactors

        cut.Find("[data-testid=maintainers-only] input").Change(true);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=reactor]")));
        Assert.Contains("👎 0", cut.Find("[data-testid=total-down]").TextContent);
    }

    [Fact]
    public async Task Run_detail_shows_the_comments_text_as_plain_text_its_link_and_what_happened_to_it()
    {
        var now = DateTimeOffset.UtcNow;
        var task = await _db.TaskAsync("acme/signals", now, pr: 5);
        await _db.CommentAsync(task, "inline", 1, now, "a.cs", 3);
        await _db.CommentAsync(task, "reply", 2, now, null, null);
        await _db.ExecuteAsync("""
            update review_comments set body = E'<b>Null check</b> missing.\nline two\nline three\nline four\nline five',
                html_url = 'https://github.com/acme/signals/pull/5#discussion_r1', outdated = true, resolved = true, resolved_by = 'mona',
                resolved_by_bot = false, human_replies = 2, minimized = false
            where github_comment_id = 1;
            update review_comments set minimized = true, minimized_reason = 'OFF_TOPIC' where github_comment_id = 2;
            """);
        await _db.ReactionAsync("inline", 1, 7, "+1");
        await _db.ReactionAsync("inline", 1, 8, "-1");
        UseDatabase(_db.DataSource);

        var cut = Render<RunDetail>(p => p.Add(x => x.Id, task));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=comment-body]")), TimeSpan.FromSeconds(10));
        var body = cut.Find("[data-testid=comment-body]");
        // Plain text: the tags are text, never elements; only the first lines until expanded.
        Assert.Empty(body.QuerySelectorAll("b"));
        Assert.StartsWith("<b>Null check</b> missing.\nline two\nline three", body.TextContent);
        Assert.DoesNotContain("line five", body.TextContent);
        cut.Find("[data-testid=comment-expand]").Click();
        cut.WaitForAssertion(() => Assert.Contains("line five", cut.Find("[data-testid=comment-body]").TextContent));

        Assert.Equal("https://github.com/acme/signals/pull/5#discussion_r1", cut.FindAll("[data-testid=comment-link]")[0].GetAttribute("href"));
        var chips = cut.FindAll("[data-testid=comment-signals]");
        Assert.Contains("outdated", chips[0].TextContent);
        Assert.Contains("resolved by mona", chips[0].TextContent);
        Assert.Contains("2 replies", chips[0].TextContent);
        Assert.Contains("disputed", chips[0].TextContent);
        Assert.Contains("hidden: off_topic", chips[1].TextContent);
        Assert.DoesNotContain("disputed", chips[1].TextContent);
    }

    [Fact]
    public async Task Overview_shows_the_addressed_rate_by_role_and_the_most_disputed_comments()
    {
        var now = DateTimeOffset.UtcNow;
        var task = await _db.TaskAsync("acme/overview", now.AddDays(-1), authorId: 501, authorLogin: "octo");
        await _db.CommentAsync(task, "inline", 1, now.AddDays(-1));
        await _db.CommentAsync(task, "inline", 2, now.AddDays(-1));
        await _db.ExecuteAsync("update review_comments set outdated = true where github_comment_id = 1");
        await _db.ExecuteAsync("update review_comments set body = 'Prefer a guard clause.' where github_comment_id = 2");
        await _db.ReactionAsync("inline", 2, 7, "+1");
        await _db.ReactionAsync("inline", 2, 8, "-1");
        UseDatabase(_db.DataSource);

        var cut = Render<Home>();
        cut.WaitForAssertion(() => Assert.Equal(Format.Percent(0.5), cut.Find("[data-testid=kpi-addressed-value]").TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.Equal(3, cut.FindAll("[data-testid=role-row]").Count);
        Assert.Contains("Maintainers", cut.Find("[data-testid=by-role]").TextContent);
        var disputed = Assert.Single(cut.FindAll("[data-testid=disputed-row]"));
        Assert.Contains("Prefer a guard clause.", disputed.TextContent);
    }

    [Fact]
    public void Run_detail_of_an_unknown_run_says_so()
    {
        UseDatabase(_db.DataSource);
        var cut = Render<RunDetail>(p => p.Add(x => x.Id, Guid.NewGuid()));
        cut.WaitForAssertion(() => Assert.Contains("There is no run", cut.Find("[data-testid=not-found]").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Maintainers_lists_repositories_with_outcome_words_and_a_stale_warning()
    {
        UseDatabase(_db.DataSource);
        var empty = Render<FeedbackDashboard.Components.Pages.Maintainers>();
        empty.WaitForAssertion(() => Assert.Contains("No repositories are registered yet", empty.Find("[data-testid=empty]").TextContent), TimeSpan.FromSeconds(10));

        await _db.RepoAsync("acme/fresh");
        await _db.RepoAsync("acme/old");
        await _db.MaintainerAsync("acme/fresh", 1, "a", "MEMBER");
        await _db.ExecuteAsync("update repositories set maintainers_refreshed_at = now(), maintainers_outcome = 'ok' where full_name = 'acme/fresh'");
        await _db.ExecuteAsync("update repositories set maintainers_refreshed_at = now() - interval '3 hours', maintainers_outcome = 'guarded' where full_name = 'acme/old'");

        var cut = Render<FeedbackDashboard.Components.Pages.Maintainers>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=maintainer-count]").Count), TimeSpan.FromSeconds(10));
        var outcomes = cut.FindAll("[data-testid=outcome]").Select(o => o.TextContent.Trim()).ToList();
        Assert.Equal(["ok", "guarded (mass removal held)"], outcomes);
        Assert.Single(cut.FindAll("[data-testid=stale]"));
    }

    [Fact]
    public async Task Poll_health_shows_status_cycles_and_last_errors_and_that_this_instance_does_not_poll()
    {
        await _db.ExecuteAsync("""
            insert into poll_cycles (job, instance, started_at, finished_at, status, comments_checked, errors)
            values ('reactions', 't', now() - interval '1 minute', now() - interval '58 seconds', 'partial', 9, '["installation 66: token mint answered 404"]')
            """);
        UseDatabase(_db.DataSource);

        var cut = Render<PollHealthPage>();
        cut.WaitForAssertion(() => Assert.Contains("token mint answered 404", cut.Find("[data-testid=last-errors]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("ROLE=serve", cut.Find("[data-testid=disabled-here]").TextContent);
        Assert.Contains("healthy", cut.Find("[data-testid=job-reactions]").TextContent);
        Assert.Contains("No cycle has run yet", cut.Find("[data-testid=job-maintainers]").TextContent);
    }

    [Fact]
    public async Task Poll_health_names_installations_no_poller_polled_and_shows_interrupted_cycles()
    {
        await _db.TaskAsync("acme/widgets", DateTimeOffset.UtcNow.AddHours(-1), installation: 77);
        await _db.ExecuteAsync("""
            insert into poll_cycles (job, instance, started_at, finished_at, status)
            values ('reactions', 'gone', now() - interval '20 minutes', now() - interval '19 minutes', 'interrupted'),
                   ('reactions', 'p0', now() - interval '1 minute', now() - interval '58 seconds', 'ok');
            insert into poller_instances (instance, started_at, beat_at, alive_until) values ('p0', now(), now(), now() + interval '1 minute');
            insert into poller_installations (installation_id, claimed_at, instance, lease_until)
            values (77, now() - interval '20 minutes', 'stuck', now() + interval '1 hour');
            """);
        UseDatabase(_db.DataSource);

        var cut = Render<PollHealthPage>();
        cut.WaitForAssertion(() => Assert.Contains("installation 77", cut.Find("[data-testid=not-polled]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("held by stuck", cut.Find("[data-testid=not-polled]").TextContent);
        Assert.Contains("p0", cut.Find("[data-testid=not-polled]").TextContent);
        Assert.Contains("late", cut.Find("[data-testid=job-reactions]").TextContent);
        Assert.Contains("interrupted", cut.Find("[data-testid=job-reactions] [data-testid=cycles]").TextContent);
    }

    [Fact]
    public async Task Poll_health_says_no_poller_is_running_when_only_the_demo_cycles_exist_and_late_once_a_poller_stopped()
    {
        // The demo's cycles an hour old: long past two intervals, so the jobs themselves read "late".
        Assert.True(await new FeedbackDashboard.Core.Demo.DemoData(_db.DataSource, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1)))
            .SeedIfEmptyAsync(Xunit.TestContext.Current.CancellationToken));
        UseDatabase(_db.DataSource);

        var cut = Render<PollHealthPage>();
        cut.WaitForAssertion(() => Assert.Contains("No poller has ever run", cut.Find("[data-testid=no-poller]").TextContent), TimeSpan.FromSeconds(10));
        var chips = cut.FindAll("[data-testid=outcome]").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal("no poller is running", chips[0]);
        Assert.DoesNotContain("late", chips);

        // A real poller's cycle, as old: that poller stopped, and the page says so.
        await _db.ExecuteAsync("""
            insert into poll_cycles (job, instance, started_at, finished_at, status)
            values ('reactions', 'p0', now() - interval '50 minutes', now() - interval '49 minutes', 'ok')
            """);
        var after = Render<PollHealthPage>();
        after.WaitForAssertion(() => Assert.Equal("late", after.FindAll("[data-testid=outcome]")[0].TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.Empty(after.FindAll("[data-testid=no-poller]"));
    }

    [Fact]
    public async Task Poll_health_shows_webhook_deliveries_by_event_and_rejected_signatures()
    {
        await _db.ExecuteAsync("""
            insert into webhook_deliveries (guid, event, action, received_at, outcome)
            values ('g1', 'member', 'added', now(), 'applied'), ('g2', 'member', 'removed', now(), 'applied'), ('g3', 'repository', 'renamed', now(), 'applied');
            insert into webhook_rejections (minute, rejected) values (date_trunc('minute', now()), 4);
            """);
        UseDatabase(_db.DataSource);

        var cut = Render<PollHealthPage>();
        cut.WaitForAssertion(() => Assert.Contains("member 2 · repository 1", cut.Find("[data-testid=webhooks]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal("4", cut.Find("[data-testid=webhooks-rejected]").TextContent);
    }

    [Fact]
    public async Task Pages_refresh_when_a_poll_cycle_lands()
    {
        UseDatabase(_db.DataSource);
        var cut = Render<PollHealthPage>();
        cut.WaitForAssertion(() => Assert.Contains("No cycle has run yet", cut.Find("[data-testid=job-reactions]").TextContent), TimeSpan.FromSeconds(10));

        await _db.ExecuteAsync("insert into poll_cycles (job, instance, started_at, finished_at, status) values ('reactions', 't', now(), now(), 'ok')");
        Services.GetRequiredService<PollCycleNotifier>().Raise("reactions");

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=job-reactions] [data-testid=cycles] tbody tr")), TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// A landed cycle refreshes every open page at once; pages on the same view share one read of it (CycleCache),
    /// so N open Overview and Runs pages cost the queries of one of each, not N times that.
    /// </summary>
    [Fact]
    public async Task A_landed_cycle_costs_one_set_of_queries_however_many_pages_are_open()
    {
        const int pagesOfEach = 5;
        var now = DateTimeOffset.UtcNow;
        var task = await _db.TaskAsync("acme/many", now.AddDays(-1));
        await _db.CommentAsync(task, "inline", 1, now.AddDays(-1));
        await _db.ReactionAsync("inline", 1, 10, "+1");
        var counter = new CommandCounter();
        await using var counted = CommandCounter.DataSource(_db.ConnectionString, counter);
        UseDatabase(counted);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var overviews = Enumerable.Range(0, pagesOfEach).Select(_ => Render<Home>()).ToList();
        var runs = Enumerable.Range(0, pagesOfEach).Select(_ => Render<Runs>()).ToList();
        foreach (var page in overviews)
            page.WaitForAssertion(() => Assert.Equal("1", page.Find("[data-testid=kpi-up-value]").TextContent.Trim()), TimeSpan.FromSeconds(20));
        foreach (var page in runs)
            page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=run-link]")), TimeSpan.FromSeconds(20));

        // The cycle: a new 👍 and a new run, then the notification every page hears.
        await _db.ReactionAsync("inline", 1, 11, "+1");
        await _db.TaskAsync("acme/many", now);
        await _db.ExecuteAsync("insert into poll_cycles (job, instance, started_at, finished_at, status) values ('reactions', 't', now(), now(), 'ok')");
        var before = counter.Count;
        Services.GetRequiredService<PollCycleNotifier>().Raise("reactions");

        foreach (var page in overviews)
            page.WaitForAssertion(() => Assert.Equal("2", page.Find("[data-testid=kpi-up-value]").TextContent.Trim()), TimeSpan.FromSeconds(20));
        foreach (var page in runs)
            page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=run-link]").Count), TimeSpan.FromSeconds(20));
        // One Overview's reads (is-empty, any-demo, repositories, filter facets, bot names, figures and 👎'd files, roles
        // and disputes) and one Runs grid page; the Runs repository, facet and bot filters are the Overview's reads.
        Assert.Equal(8 + 1, counter.Count - before);
    }

    /// <summary>
    /// A visit is a prerender and then the interactive page. The prerender's data travels inside the HTML
    /// (persistent component state), so the interactive page sends no query the prerender already made.
    /// </summary>
    [Theory]
    [InlineData("/", 8, 0)] // is-empty, any-demo, repositories, the filter facets, the bot names, the figures (one batch), the 👎'd files, the roles and disputes (one batch)
    [InlineData("/runs/{task}", 1, 0)]
    [InlineData("/maintainers", 1, 0)]
    [InlineData("/maintainers/acme/once", 1, 0)]
    [InlineData("/health", null, 0)] // the poller's records, however many queries they take
    [InlineData("/runs", 4, 0)] // the repository, label/rule/category and bot filters, and the page of runs (list and count in one batch)
    [InlineData("/bots", 5, 0)] // repositories, the bot groups, their pull requests and overlap (one batch), the trends, the candidates
    public async Task Each_page_loads_its_data_once_per_visit(string path, int? prerenderQueries, int interactiveQueries)
    {
        var now = DateTimeOffset.UtcNow;
        var task = await _db.TaskAsync("acme/once", now.AddDays(-1));
        await _db.CommentAsync(task, "inline", 1, now.AddDays(-1));
        await _db.ReactionAsync("inline", 1, 10, "+1");
        await _db.MaintainerAsync("acme/once", 10, "mona", "MEMBER");
        await _db.ExecuteAsync("insert into poll_cycles (job, instance, started_at, finished_at, status) values ('reactions', 't', now(), now(), 'ok')");
        await _db.ExecuteAsync($"update tasks set labels = '{{\"bot\": \"once\"}}' where id = '{task}'");
        var counter = new CommandCounter();
        await using var counted = CommandCounter.DataSource(_db.ConnectionString, counter);
        await using (await counted.OpenConnectionAsync(Xunit.TestContext.Current.CancellationToken)) { } // the driver's own first queries
        var state = UseDatabase(counted);
        var (page, loaded) = path switch
        {
            "/" => (Page<Home>(), "[data-testid=kpi-up-value]"),
            "/runs/{task}" => (Page<RunDetail>((nameof(RunDetail.Id), task)), "[data-testid=comment-row]"),
            "/maintainers" => (Page<FeedbackDashboard.Components.Pages.Maintainers>(), "[data-testid=maintainer-count]"),
            "/maintainers/acme/once" => (Page<MaintainersRepo>(("Owner", "acme"), ("Name", "once")), "[data-testid=maintainers]"),
            "/health" => (Page<PollHealthPage>(), "[data-testid=job-reactions] [data-testid=cycles]"),
            "/runs" => (Page<Runs>(), "[data-testid=run-link]"),
            "/bots" => (Page<Bots>(), "[data-testid=leaderboard-row]"),
            _ => throw new ArgumentException(path),
        };

        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var prerendered = Render(page);
        prerendered.WaitForAssertion(() => Assert.NotEmpty(prerendered.FindAll(loaded)), TimeSpan.FromSeconds(10));
        var prerender = counter.Count;
        state.TriggerOnPersisting();
        await DisposeComponentsAsync();

        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var interactive = Render(page);
        interactive.WaitForAssertion(() => Assert.NotEmpty(interactive.FindAll(loaded)), TimeSpan.FromSeconds(10));

        if (prerenderQueries is { } expected) Assert.Equal(expected, prerender);
        else Assert.True(prerender > 0, "the prerender loaded nothing");
        Assert.Equal(interactiveQueries, counter.Count - prerender);
    }

    private static RenderFragment Page<TPage>(params (string Name, object Value)[] parameters) where TPage : IComponent => b =>
    {
        b.OpenComponent<TPage>(0);
        foreach (var (name, value) in parameters) b.AddComponentParameter(1, name, value);
        b.CloseComponent();
    };

    [Fact]
    public void Runs_shows_a_loading_bar_while_the_database_answers_not_no_runs()
    {
        UseDatabase(Hanging());
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var cut = Render<Runs>();
        Assert.Single(cut.FindAll("[data-testid=loading]"));
        Assert.Empty(cut.FindAll("[data-testid=no-runs]"));
        Assert.Empty(cut.FindAll("[data-testid=run-row]"));
    }

    [Fact]
    public async Task Runs_are_in_the_first_html_and_no_runs_is_said_only_when_there_are_none()
    {
        UseDatabase(_db.DataSource);
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var empty = Render<Runs>();
        empty.WaitForAssertion(() => Assert.Contains("No runs match", empty.Find("[data-testid=no-runs]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Empty(empty.FindAll("[data-testid=loading]"));
        await DisposeComponentsAsync();

        await _db.TaskAsync("acme/runs", DateTimeOffset.UtcNow, pr: 3);
        var cut = Render<Runs>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=run-link]")), TimeSpan.FromSeconds(10));
        Assert.Contains("acme/runs", cut.Find("[data-testid=runs-grid]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=no-runs]"));
        Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent);
    }

    /// <summary>The rows are written as one piece of HTML: what a run holds is text in it, never markup.</summary>
    [Fact]
    public async Task Runs_rows_show_hostile_text_as_text()
    {
        const string login = "<img src=x onerror=alert(1)>&\"x";
        await _db.TaskAsync("acme/hostile", DateTimeOffset.UtcNow, pr: 4, authorLogin: login, association: "MEMBER");
        UseDatabase(_db.DataSource);
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var cut = Render<Runs>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=run-row]")), TimeSpan.FromSeconds(10));

        var author = cut.Find("[data-testid=run-row] td[data-label=Author]");
        Assert.Empty(cut.FindAll("[data-testid=runs-grid] img"));
        Assert.Equal($"{login} MEMBER", author.TextContent.Trim());
        Assert.Equal("MEMBER", author.QuerySelector("[data-testid=role-badge]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Runs_sort_by_a_column_both_ways_and_page_through()
    {
        var now = DateTimeOffset.UtcNow;
        for (var pr = 1; pr <= 30; pr++) await _db.TaskAsync("acme/pages", now.AddMinutes(-pr), pr: pr);
        UseDatabase(_db.DataSource);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var cut = Render<Runs>();
        string[] Prs() => cut.FindAll("[data-testid=run-row] td:nth-child(3)").Select(td => td.TextContent.Trim()).ToArray();

        // Newest first, 25 a page.
        cut.WaitForAssertion(() => Assert.Equal(25, Prs().Length), TimeSpan.FromSeconds(10));
        Assert.Equal("#1", Prs()[0]);
        Assert.Equal("1–25 of 30", cut.Find("[data-testid=page-range]").TextContent);
        Assert.Equal("descending", cut.Find("th:has([data-testid=sort-CreatedAt])").GetAttribute("aria-sort"));

        // PR: largest first, then again for smallest first.
        cut.Find("[data-testid=sort-PrNumber]").Click();
        cut.WaitForAssertion(() => Assert.Equal("#30", Prs()[0]), TimeSpan.FromSeconds(10));
        cut.Find("[data-testid=sort-PrNumber]").Click();
        cut.WaitForAssertion(() => Assert.Equal("#1", Prs()[0]), TimeSpan.FromSeconds(10));
        Assert.Equal("ascending", cut.Find("th:has([data-testid=sort-PrNumber])").GetAttribute("aria-sort"));
        Assert.Equal("none", cut.Find("th:has([data-testid=sort-CreatedAt])").GetAttribute("aria-sort"));

        // Next page: the last five; 10 a page goes back to the first page.
        cut.Find("[aria-label='Next page']").Click();
        cut.WaitForAssertion(() => Assert.Equal(["#26", "#27", "#28", "#29", "#30"], Prs()), TimeSpan.FromSeconds(10));
        Assert.Equal("26–30 of 30", cut.Find("[data-testid=page-range]").TextContent);
        Assert.True(cut.Find("[aria-label='Next page']").HasAttribute("disabled"));
        cut.Find("[data-testid=page-size]").Change("10");
        cut.WaitForAssertion(() => Assert.Equal(10, Prs().Length), TimeSpan.FromSeconds(10));
        Assert.Equal("#1", Prs()[0]);
        Assert.Equal("1–10 of 30", cut.Find("[data-testid=page-range]").TextContent);
        Assert.True(cut.Find("[aria-label='Previous page']").HasAttribute("disabled"));
        cut.Find("[aria-label='Last page']").Click();
        cut.WaitForAssertion(() => Assert.Equal("#21", Prs()[0]), TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Every open page is a live circuit holding each of its components (their render trees, parameters, handlers):
    /// a page's component count is most of its memory per viewer. Lists, pickers and charts are plain markup, so a
    /// page's count does not grow with its rows.
    /// </summary>
    [Fact]
    public async Task Overview_and_Runs_stay_light_however_many_rows_and_repositories()
    {
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 40; i++)
        {
            var task = await _db.TaskAsync($"acme/repo{i % 20}", now.AddDays(-(i % 25)), pr: i + 1, authorId: i, authorLogin: $"author{i}", association: "MEMBER");
            await _db.CommentAsync(task, "inline", i + 1, now.AddDays(-(i % 25)));
            await _db.ReactionAsync("inline", i + 1, 10, i % 3 == 0 ? "-1" : "+1");
        }
        UseDatabase(_db.DataSource);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var overview = Render<Home>();
        overview.WaitForAssertion(() => Assert.Equal("26", overview.Find("[data-testid=kpi-up-value]").TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.Equal(21, overview.FindAll("[data-testid=repository] option").Count);
        var runs = Render<Runs>();
        runs.WaitForAssertion(() => Assert.Equal(25, runs.FindAll("[data-testid=run-row]").Count), TimeSpan.FromSeconds(10));

        var overviewComponents = overview.FindComponents<IComponent>().Count;
        var runsComponents = runs.FindComponents<IComponent>().Count;
        // Measured when written: Overview 30, Runs 28 (the page alone, without the layout); with MudSelects, a
        // MudDataGrid and MudChart a live circuit held ~314 (layout included), and Runs grew by four per row.
        Assert.InRange(overviewComponents, 10, 35);
        Assert.InRange(runsComponents, 10, 35);
        runs.Find("[data-testid=page-size]").Change("10");
        runs.WaitForAssertion(() => Assert.Equal(10, runs.FindAll("[data-testid=run-row]").Count), TimeSpan.FromSeconds(10));
        Assert.Equal(runsComponents, runs.FindComponents<IComponent>().Count);
    }

    [Theory]
    [InlineData("OWNER", "mud-chip-color-error")]
    [InlineData("MEMBER", "mud-chip-color-primary")]
    [InlineData("COLLABORATOR", "mud-chip-color-secondary")]
    [InlineData("NONE", "mud-chip-color-default")]
    public void Role_badges_show_the_role_in_words_and_colour(string association, string cssClass)
    {
        var cut = Render<RoleBadge>(p => p.Add(b => b.Association, association));
        var chip = cut.Find("[data-testid=role-badge]");
        Assert.Equal(association, chip.TextContent.Trim());
        Assert.True(chip.ClassName!.Contains(cssClass), chip.ClassName);
    }
}
