using Bunit;
using FeedbackDashboard.Components;
using FeedbackDashboard.Components.Shared;
using FeedbackDashboard.Core.Insights;
using FeedbackDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;

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

    [Fact]
    public void Prerendered_a_picker_selects_its_value_before_the_circuit_does()
    {
        // A browser ignores a select's value attribute: without the inline script it would show "Last 7 days".
        RenderFragment options = b => b.AddMarkupContent(0, "<option value=\"7\">Last 7 days</option><option value=\"90\">Last 90 days</option>");
        var cut = Render<Picker<int>>(p => p.Add(x => x.Label, "Period").Add(x => x.Value, 90).Add(x => x.ChildContent, options)
            .AddCascadingValue(Routes.PrerenderingCascade, true));
        var id = cut.Find("select").Id;
        Assert.Equal($"document.getElementById(\"{id}\").value = \"90\";", cut.Find("script").TextContent);

        // Live, the circuit sets the property itself and the page carries no script.
        var live = Render<Picker<int>>(p => p.Add(x => x.Label, "Period").Add(x => x.Value, 90).Add(x => x.ChildContent, options)
            .AddCascadingValue(Routes.PrerenderingCascade, false));
        Assert.Empty(live.FindAll("script"));
    }
}
