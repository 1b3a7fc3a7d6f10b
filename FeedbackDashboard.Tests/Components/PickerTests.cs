using Bunit;
using FeedbackDashboard.Components.Shared;
using FeedbackDashboard.Core.Feedback;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Components;

public sealed class PickerTests : BunitBase
{
    private static readonly Facets Known = new(new Dictionary<string, IReadOnlyList<string>> { ["model"] = ["a", "b"] }, ["null-check"], ["bug"]);

    [Fact]
    public void A_filter_shows_its_value_and_hands_back_the_picked_one()
    {
        ProducedBy? picked = null;
        var cut = Render<ProducedByFilters>(p => p.Add(f => f.Facets, Known).Add(f => f.Value, ProducedBy.Any with { Rule = "null-check" })
            .Add(f => f.ValueChanged, v => picked = v));

        var rule = cut.Find("[data-testid=filter-rule]");
        Assert.Equal("null-check", rule.GetAttribute("value"));
        Assert.Equal(["", "null-check"], rule.QuerySelectorAll("option").Select(o => o.GetAttribute("value")));
        Assert.Equal("Rule", cut.Find($"label[for='{rule.Id}']").TextContent);

        cut.Find("[data-testid=filter-label]").Change("model=b");
        Assert.Equal(("model", "b", "null-check"), (picked!.LabelKey, picked.LabelValue, picked.Rule));
        cut.Find("[data-testid=filter-rule]").Change("");
        Assert.Null(picked.Rule);
    }

    [Fact]
    public void A_value_the_options_do_not_hold_shows_as_itself_not_as_the_first_option()
    {
        // /runs?rule=stale, a rule no longer among the facets: the picker says "stale", and "Any rule" can clear it.
        var cut = Render<ProducedByFilters>(p => p.Add(f => f.Facets, Known).Add(f => f.Value, ProducedBy.Any with { Rule = "stale" }));
        var rule = cut.Find("[data-testid=filter-rule]");
        Assert.Equal("stale", rule.GetAttribute("value"));
        var stale = rule.QuerySelector("option[value=stale]")!;
        Assert.True(stale.HasAttribute("hidden"));
        Assert.Equal("stale", stale.TextContent);
        // A known value adds no such option.
        Assert.Empty(cut.Find("[data-testid=filter-category]").QuerySelectorAll("option[hidden]"));
    }
}
