namespace FeedbackDashboard.Core.Comments;

/// <summary>
/// GitHub's suggested changes in a comment body: fenced code blocks whose info string is <c>suggestion</c>, opened by three or
/// more backticks (or tildes) and closed by a fence of the same character at least as long, as CommonMark reads fences.
/// </summary>
public static class Suggestions
{
    /// <summary>
    /// The suggested lines of every block, joined by newlines (an empty block, which deletes the lines, adds none); null
    /// when the body holds no suggestion.
    /// </summary>
    public static string? Lines(string? body)
    {
        if (string.IsNullOrEmpty(body)) return null;
        var lines = body.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        List<string>? found = null;
        for (var i = 0; i < lines.Length; i++)
        {
            if (Fence(lines[i]) is not { } open || !IsSuggestion(open.Info)) continue;
            found ??= [];
            var j = i + 1;
            // An unclosed fence runs to the end of the body, as CommonMark has it.
            for (; j < lines.Length; j++)
            {
                if (Fence(lines[j]) is { } close && close.Char == open.Char && close.Length >= open.Length && close.Info.Length == 0) break;
                found.Add(lines[j]);
            }
            i = j;
        }
        return found is null ? null : string.Join('\n', found);
    }

    /// <summary>The lines a suggestion adds, as compared with a commit's added lines: line ends trimmed.</summary>
    public static IReadOnlyList<string> Compared(string suggested) =>
        suggested.Length == 0 ? [] : [.. suggested.Split('\n').Select(l => l.TrimEnd())];

    private static bool IsSuggestion(string info) =>
        info.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries) is [var word, ..] && word == "suggestion";

    private static (char Char, int Length, string Info)? Fence(string line)
    {
        var indent = 0;
        while (indent < line.Length && line[indent] == ' ') indent++;
        // Four spaces make an indented code block, not a fence.
        if (indent > 3 || indent >= line.Length || line[indent] is not ('`' or '~')) return null;
        var c = line[indent];
        var end = indent;
        while (end < line.Length && line[end] == c) end++;
        var length = end - indent;
        if (length < 3) return null;
        var info = line[end..].Trim();
        // A backtick fence's info string may not hold a backtick.
        if (c == '`' && info.Contains('`')) return null;
        return (c, length, info);
    }
}
