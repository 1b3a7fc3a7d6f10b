using System.Text.Json;
using FeedbackDashboard.Api;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Core.Model;

namespace FeedbackDashboard.Tests.Api;

/// <summary>The feedback read is written with the generated serializer's own options: byte for byte what the app's options write.</summary>
public sealed class ApiJsonTests
{
    [Fact]
    public void The_generated_writer_and_the_apps_options_write_the_same_bytes_for_a_runs_feedback()
    {
        var at = new DateTimeOffset(2026, 11, 24, 10, 30, 15, 123, TimeSpan.FromHours(1));
        var reactions = new List<ReactionView> { new(10, "ann", "MEMBER", "+1", at), new(11, "bob", "NONE", "-1", at.AddSeconds(1)) };
        var feedback = new TaskFeedback(Guid.Parse("8fb12d03-1ba3-7597-a505-18b138636477"), "acme/widgets", 42,
            new PrAuthor(7, "author", "CONTRIBUTOR"), at, new Totals(1, 1, 1),
            [
                new CommentFeedback("inline", 1, "src/a.cs", 12, at, false, 1, 1, reactions)
                {
                    Body = "Null check <here> & \"there\" — é 👍", HtmlUrl = "https://github.com/acme/widgets/pull/42#discussion_r1",
                    Rule = "null-check", Category = "bug", Severity = "high", Fingerprint = "f1",
                    Outdated = true, Resolved = false, ResolvedBy = null, ResolvedByBot = null, Minimized = false, HumanReplies = 2,
                },
                new CommentFeedback("reply", 2, null, null, at, true, 0, 0, []),
            ],
            [new CaptureView(99, "completed", null, 2, JsonDocument.Parse("""[{"file":"a.cs","line":3}]""").RootElement, at, null)])
        {
            Labels = new Dictionary<string, string> { ["bot_version"] = "2.4.0", ["Model Name"] = "x" },
        };

        var options = SnakeCaseJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        options.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default); // as Hosting configures the HTTP options
        var viaOptions = JsonSerializer.Serialize(feedback, options);
        var generated = JsonSerializer.Serialize(feedback, ApiJsonContext.Default.TaskFeedback);

        Assert.Equal(viaOptions, generated);
        Assert.Contains("\"pr_author\":{\"github_id\":7", generated);
        Assert.Contains("\"Model Name\":\"x\"", generated);
        Assert.Contains("\"unmatched_findings\":[{\"file\":\"a.cs\",\"line\":3}]", generated);
    }
}
