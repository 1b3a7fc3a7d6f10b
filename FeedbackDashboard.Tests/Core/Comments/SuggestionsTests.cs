using FeedbackDashboard.Core.Comments;

namespace FeedbackDashboard.Tests.Core.Comments;

/// <summary>GitHub's suggested-change blocks read out of comment bodies, and the patch lines a commit adds.</summary>
public sealed class SuggestionsTests
{
    [Fact]
    public void A_suggestion_block_gives_its_lines_with_CRLF_bodies_read_as_LF()
    {
        Assert.Equal("var limit = MaxItems;\n    return limit;",
            Suggestions.Lines("Use the constant:\r\n```suggestion\r\nvar limit = MaxItems;\r\n    return limit;\r\n```\r\nThanks."));
    }

    [Fact]
    public void Several_blocks_are_joined_and_other_fences_are_not_suggestions()
    {
        const string body = "First:\n```suggestion\nif (x is null) return;\n```\nNot this:\n```csharp\nvar y = 1;\n```\n" +
                            "Then:\n~~~ suggestion\nreturn x.Value;\n~~~\n    ```suggestion\n    indented four: a code block\n    ```\n";
        Assert.Equal("if (x is null) return;\nreturn x.Value;", Suggestions.Lines(body));
    }

    [Fact]
    public void A_longer_fence_holds_a_shorter_one_inside()
    {
        const string body = "````suggestion\n/// ```csharp\n/// var a = 1;\n/// ```\n````\n";
        Assert.Equal("/// ```csharp\n/// var a = 1;\n/// ```", Suggestions.Lines(body));
    }

    [Fact]
    public void An_empty_suggestion_deletes_lines_and_is_not_the_same_as_none()
    {
        Assert.Equal("", Suggestions.Lines("Remove these lines:\n```suggestion\n```"));
        Assert.Empty(Suggestions.Compared(""));
        Assert.Null(Suggestions.Lines("No suggestion here, just ``` inline code ```."));
        Assert.Null(Suggestions.Lines("```suggestionx\nnot a suggestion\n```"));
        Assert.Null(Suggestions.Lines(null));
    }

    [Fact]
    public void An_unclosed_block_runs_to_the_end_of_the_body()
    {
        Assert.Equal("a\nb", Suggestions.Lines("```suggestion\na\nb"));
    }

    [Fact]
    public void A_patch_gives_its_added_lines_with_line_ends_trimmed_and_counts_deletions()
    {
        var (added, deleted) = AppliedSuggestions.ParsePatch("@@ -1,3 +1,3 @@\n context\n-old();\n+fresh();   \r\n+\tnext(); \n");
        Assert.Equal(["fresh();", "\tnext();"], added);
        Assert.Equal(1, deleted);
    }
}
