using System.Globalization;
using Bunit;
using FeedbackDashboard.Components.Shared;
using FeedbackDashboard.Tests.Infrastructure;

namespace FeedbackDashboard.Tests.Components;

public sealed class LineChartTests : BunitBase
{
    private static readonly string[] Days = Enumerable.Range(1, 31).Select(d => $"Nov {d}").ToArray();

    [Fact]
    public void Each_series_is_one_line_through_its_values_and_each_bucket_tells_all_values()
    {
        var up = Enumerable.Range(0, 31).Select(i => (double)i).ToList();
        var down = Enumerable.Repeat(3.0, 31).ToList();
        var cut = Render<LineChart>(p => p
            .Add(c => c.Labels, Days)
            .Add(c => c.Series, [new("👍", up), new("👎", down)])
            .Add(c => c.Height, "280px")
            .AddUnmatched("data-testid", "trend"));

        Assert.Equal("👍, 👎 by Nov 1 to Nov 31", cut.Find("[data-testid=trend] svg").GetAttribute("aria-label"));
        var lines = cut.FindAll("polyline");
        Assert.Equal(2, lines.Count);
        var points = lines[0].GetAttribute("points")!.Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(31, points.Count);
        // Left to right, and up: the highest value (30) at the top of the plot, 0 on the axis at the bottom.
        Assert.True(points.Zip(points.Skip(1)).All(p => p.Second[0] > p.First[0]));
        Assert.True(points[^1][1] < points[0][1]);
        Assert.Equal(1000, points[0][1]); // 0 at the bottom of the plot's 0-1000 box
        Assert.Equal(1000 * (1 - 30 / 40.0), points[^1][1], 6);

        // The axis: round grid lines up to 40, about six day labels, the legend names both series.
        Assert.Equal(["0", "10", "20", "30", "40"], cut.FindAll(".fd-chart-y").Select(t => t.TextContent));
        Assert.Equal(5, cut.FindAll("line.fd-chart-grid").Count);
        var days = cut.FindAll(".fd-chart-x").Select(t => t.TextContent).ToList();
        Assert.InRange(days.Count, 5, 7);
        Assert.Equal("Nov 1", days[0]);
        Assert.Contains("👍", cut.Find(".fd-chart-legend").TextContent);
        Assert.Contains("👎", cut.Find(".fd-chart-legend").TextContent);

        // Hovering a day's band: every series' value that day.
        var bands = cut.FindAll("rect.fd-chart-band");
        Assert.Equal(31, bands.Count);
        Assert.Equal("Nov 11: 👍 10 · 👎 3", bands[10].TextContent);
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(1, 1)]
    [InlineData(3, 4)]
    [InlineData(7, 8)]
    [InlineData(18, 20)]
    [InlineData(30, 40)]
    [InlineData(0.3, 0.4)]
    [InlineData(1234, 2000)]
    public void The_axis_tops_at_four_round_steps_at_or_above_the_largest_value(double max, double top) =>
        Assert.Equal(top, LineChart.AxisTop(max), 9);

    [Fact]
    public void One_bucket_or_no_data_still_draws()
    {
        var cut = Render<LineChart>(p => p.Add(c => c.Labels, ["Nov 1"]).Add(c => c.Series, [new("Duration (s)", [2.5])]));
        Assert.Single(cut.FindAll("polyline"));
        Assert.Equal("Nov 1: Duration (s) 2.5", cut.Find("rect.fd-chart-band").TextContent);
        var empty = Render<LineChart>(p => p.Add(c => c.Labels, []).Add(c => c.Series, []));
        Assert.Empty(empty.FindAll("polyline"));
    }
}
