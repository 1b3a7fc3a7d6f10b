using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// The points GitHub charges for a GraphQL query, by its documented formula, for the fake GitHub to charge the same:
/// add up the requests needed to fulfil each connection (a field taking <c>first</c>/<c>last</c>), assuming each
/// reaches its limit — a connection is requested once per time its parent is fetched, its children are fetched
/// first/last times each, and <c>nodes(ids:)</c> fetches its children once per id — then divide by 100 and round to
/// the nearest whole number, at least 1. Top-level fields that are not connections (and <c>rateLimit</c>) cost nothing.
/// </summary>
/// <remarks>
/// No GraphQL NuGet package is served to this project, so a small tokenizer and parser for executable documents
/// (operations, variables, selection sets, aliases, arguments, named and inline fragments) lives here. Without the
/// schema, a type condition is read as one possible runtime type: fragments on different types are alternatives and
/// the costliest counts (an object is one type at a time), which is what GitHub's schema-aware count gives for our
/// documents. GitHubSchemaTests compares this with graphql-js's schema-aware count for every product document.
/// </remarks>
public static class GraphQlCost
{
    /// <summary>GitHub's points for <paramref name="query"/> with <paramref name="variables"/> (an object, or undefined).</summary>
    public static int Of(string query, JsonElement variables) =>
        (int)Math.Max(1, Math.Round(Requests(query, variables) / 100.0, MidpointRounding.AwayFromZero));

    /// <summary>The requests the formula counts before dividing by 100.</summary>
    public static long Requests(string query, JsonElement variables)
    {
        var document = Parser.Parse(query);
        var operation = document.Operations.Count == 1
            ? document.Operations[0]
            : throw new FormatException($"expected one operation, found {document.Operations.Count}");
        var counter = new Counter(document, operation, variables);
        return counter.Requests([operation.SelectionSet], 1);
    }

    /// <summary>
    /// The operation's variables, their declared types as written (e.g. <c>ids</c>, <c>[ID!]!</c>) and whether the
    /// document gives a default.
    /// </summary>
    public static IReadOnlyList<(string Name, string Type, bool HasDefault)> Variables(string query)
    {
        var document = Parser.Parse(query);
        return [.. document.Operations.SelectMany(o => o.Variables).Select(v => (v.Name, v.Type, v.Default is not null))];
    }

    // ---- cost ----------------------------------------------------------------------------------------------------

    private sealed class Counter(Document document, Operation operation, JsonElement variables)
    {
        private int _depth;

        public long Requests(IReadOnlyList<List<Selection>> selectionSets, long multiplier)
        {
            // A fragment that spreads itself is invalid GraphQL (graphql-js reports it); fail instead of recursing forever.
            if (++_depth > 64) throw new FormatException("selections nested deeper than 64: a fragment cycle?");
            try
            {
                return RequestsOf(selectionSets, multiplier);
            }
            finally
            {
                _depth--;
            }
        }

        private long RequestsOf(IReadOnlyList<List<Selection>> selectionSets, long multiplier)
        {
            var fields = new Dictionary<string, List<Field>>();
            var branches = new Dictionary<string, List<List<Selection>>>();
            foreach (var set in selectionSets) Collect(set, fields, branches, []);

            long sum = 0;
            foreach (var group in fields.Values) sum += FieldRequests(group, multiplier);
            long worstBranch = 0;
            foreach (var branch in branches.Values) worstBranch = Math.Max(worstBranch, Requests(branch, multiplier));
            return sum + worstBranch;
        }

        // Fields are merged by response key, as GraphQL execution does; a fragment with a type condition becomes a
        // branch for that type, and branches on the same type are merged.
        private void Collect(List<Selection> set, Dictionary<string, List<Field>> fields,
            Dictionary<string, List<List<Selection>>> branches, HashSet<string> visited)
        {
            foreach (var selection in set)
            {
                switch (selection)
                {
                    case Field f:
                        if (!fields.TryGetValue(f.ResponseKey, out var group)) fields[f.ResponseKey] = group = [];
                        group.Add(f);
                        break;
                    case InlineFragment { TypeCondition: null } inline:
                        Collect(inline.SelectionSet, fields, branches, visited);
                        break;
                    case InlineFragment inline:
                        Branch(branches, inline.TypeCondition!).Add(inline.SelectionSet);
                        break;
                    case FragmentSpread spread when visited.Add(spread.Name):
                        var fragment = document.Fragments.GetValueOrDefault(spread.Name)
                                       ?? throw new FormatException($"unknown fragment {spread.Name}");
                        Branch(branches, fragment.TypeCondition).Add(fragment.SelectionSet);
                        break;
                }
            }
        }

        private static List<List<Selection>> Branch(Dictionary<string, List<List<Selection>>> branches, string type)
        {
            if (!branches.TryGetValue(type, out var list)) branches[type] = list = [];
            return list;
        }

        private long FieldRequests(List<Field> group, long multiplier)
        {
            var field = group[0];
            var children = group.Where(f => f.SelectionSet is not null).Select(f => f.SelectionSet!).ToList();
            if (children.Count == 0) return 0;
            var limit = Int(field.Arguments.GetValueOrDefault("first")) ?? Int(field.Arguments.GetValueOrDefault("last"));
            if (limit is { } n) return multiplier + Requests(children, multiplier * n);
            if (field.Name == "nodes" && Count(field.Arguments.GetValueOrDefault("ids")) is { } ids)
                return Requests(children, multiplier * ids);
            return Requests(children, multiplier);
        }

        private long? Int(Value? value) => Resolve(value) switch
        {
            IntValue i => i.Value,
            JsonValue { Json.ValueKind: JsonValueKind.Number } j => j.Json.GetInt64(),
            _ => null,
        };

        // A list argument's length; a single value given for a list type is coerced to a one-item list.
        private long? Count(Value? value) => Resolve(value) switch
        {
            null or NullValue => null,
            JsonValue { Json.ValueKind: JsonValueKind.Null } => null,
            ListValue l => l.Items.Count,
            JsonValue { Json.ValueKind: JsonValueKind.Array } j => j.Json.GetArrayLength(),
            _ => 1,
        };

        // A variable's value is the one sent, else its declared default.
        private Value? Resolve(Value? value)
        {
            if (value is not Variable v) return value;
            if (variables.ValueKind == JsonValueKind.Object && variables.TryGetProperty(v.Name, out var sent))
                return new JsonValue(sent);
            return operation.Variables.FirstOrDefault(d => d.Name == v.Name)?.Default;
        }
    }

    // ---- syntax tree -----------------------------------------------------------------------------------------------

    private sealed record Document(List<Operation> Operations, Dictionary<string, Fragment> Fragments);
    private sealed record Operation(List<VariableDefinition> Variables, List<Selection> SelectionSet);
    private sealed record VariableDefinition(string Name, string Type, Value? Default);
    private sealed record Fragment(string TypeCondition, List<Selection> SelectionSet);

    private abstract record Selection;
    private sealed record Field(string? Alias, string Name, Dictionary<string, Value> Arguments, List<Selection>? SelectionSet) : Selection
    {
        public string ResponseKey => Alias ?? Name;
    }
    private sealed record FragmentSpread(string Name) : Selection;
    private sealed record InlineFragment(string? TypeCondition, List<Selection> SelectionSet) : Selection;

    private abstract record Value;
    private sealed record Variable(string Name) : Value;
    private sealed record IntValue(long Value) : Value;
    private sealed record OtherScalar(string Text) : Value; // float, string, boolean, enum: never counted
    private sealed record NullValue : Value;
    private sealed record ListValue(List<Value> Items) : Value;
    private sealed record ObjectValue(Dictionary<string, Value> Fields) : Value;
    private sealed record JsonValue(JsonElement Json) : Value;

    // ---- tokenizer and parser (GraphQL spec, October 2021: executable definitions only) ------------------------------

    private enum Kind { Punctuator, Name, Int, Float, String, End }

    private readonly record struct Token(Kind Kind, string Text, int Position);

    private sealed class Parser
    {
        private readonly List<Token> _tokens;
        private int _at;

        private Parser(List<Token> tokens) => _tokens = tokens;

        public static Document Parse(string source)
        {
            var parser = new Parser(Tokenize(source));
            var operations = new List<Operation>();
            var fragments = new Dictionary<string, Fragment>();
            while (parser.Peek.Kind != Kind.End)
            {
                if (parser.Peek is { Kind: Kind.Name, Text: "fragment" })
                {
                    parser.Next();
                    var name = parser.Name();
                    parser.Keyword("on");
                    var type = parser.Name();
                    parser.Directives();
                    fragments[name] = new Fragment(type, parser.SelectionSet());
                }
                else operations.Add(parser.Operation());
            }
            return new Document(operations, fragments);
        }

        private Token Peek => _tokens[_at];
        private Token Next() => _tokens[_at++];
        private bool IsPunctuator(string p) => Peek.Kind == Kind.Punctuator && Peek.Text == p;

        private bool Skip(string p)
        {
            if (!IsPunctuator(p)) return false;
            _at++;
            return true;
        }

        private void Expect(string p)
        {
            if (!Skip(p)) throw Error($"expected '{p}'");
        }

        private void Keyword(string word)
        {
            if (Peek.Kind != Kind.Name || Peek.Text != word) throw Error($"expected '{word}'");
            _at++;
        }

        private string Name() => Peek.Kind == Kind.Name ? Next().Text : throw Error("expected a name");

        private FormatException Error(string what) =>
            new($"GraphQL syntax: {what} at {Peek.Position}, found '{(Peek.Kind == Kind.End ? "end" : Peek.Text)}'");

        private Operation Operation()
        {
            if (IsPunctuator("{")) return new Operation([], SelectionSet()); // query shorthand
            var type = Name();
            if (type is not ("query" or "mutation" or "subscription")) throw Error("expected an operation");
            if (Peek.Kind == Kind.Name) Next(); // operation name
            var variables = new List<VariableDefinition>();
            if (Skip("("))
            {
                while (!Skip(")"))
                {
                    Expect("$");
                    var name = Name();
                    Expect(":");
                    var typeText = TypeReference();
                    var defaultValue = Skip("=") ? ParseValue(constant: true) : null;
                    Directives();
                    variables.Add(new VariableDefinition(name, typeText, defaultValue));
                }
            }
            Directives();
            return new Operation(variables, SelectionSet());
        }

        private string TypeReference()
        {
            string text;
            if (Skip("["))
            {
                text = "[" + TypeReference() + "]";
                Expect("]");
            }
            else text = Name();
            return Skip("!") ? text + "!" : text;
        }

        private List<Selection> SelectionSet()
        {
            Expect("{");
            var selections = new List<Selection>();
            while (!Skip("}")) selections.Add(Selection());
            if (selections.Count == 0) throw Error("empty selection set");
            return selections;
        }

        private Selection Selection()
        {
            if (Skip("..."))
            {
                if (Peek is { Kind: Kind.Name, Text: "on" })
                {
                    Next();
                    var type = Name();
                    Directives();
                    return new InlineFragment(type, SelectionSet());
                }
                if (Peek.Kind == Kind.Name)
                {
                    var name = Name();
                    Directives();
                    return new FragmentSpread(name);
                }
                Directives();
                return new InlineFragment(null, SelectionSet());
            }

            var first = Name();
            string? alias = null;
            var fieldName = first;
            if (Skip(":"))
            {
                alias = first;
                fieldName = Name();
            }
            var arguments = Arguments(constant: false);
            // @skip/@include are not evaluated: the cost is the worst case, as if every field were asked for.
            Directives();
            var selectionSet = IsPunctuator("{") ? SelectionSet() : null;
            return new Field(alias, fieldName, arguments, selectionSet);
        }

        private Dictionary<string, Value> Arguments(bool constant)
        {
            var arguments = new Dictionary<string, Value>();
            if (!Skip("(")) return arguments;
            while (!Skip(")"))
            {
                var name = Name();
                Expect(":");
                arguments[name] = ParseValue(constant);
            }
            return arguments;
        }

        private void Directives()
        {
            while (Skip("@"))
            {
                Name();
                Arguments(constant: false);
            }
        }

        private Value ParseValue(bool constant)
        {
            var token = Peek;
            switch (token.Kind)
            {
                case Kind.Punctuator when token.Text == "$" && !constant:
                    Next();
                    return new Variable(Name());
                case Kind.Punctuator when token.Text == "[":
                    Next();
                    var items = new List<Value>();
                    while (!Skip("]")) items.Add(ParseValue(constant));
                    return new ListValue(items);
                case Kind.Punctuator when token.Text == "{":
                    Next();
                    var fields = new Dictionary<string, Value>();
                    while (!Skip("}"))
                    {
                        var name = Name();
                        Expect(":");
                        fields[name] = ParseValue(constant);
                    }
                    return new ObjectValue(fields);
                case Kind.Int:
                    Next();
                    return new IntValue(long.Parse(token.Text, CultureInfo.InvariantCulture));
                case Kind.Float or Kind.String:
                    Next();
                    return new OtherScalar(token.Text);
                case Kind.Name:
                    Next();
                    return token.Text == "null" ? new NullValue() : new OtherScalar(token.Text); // true/false/enum
                default:
                    throw Error("expected a value");
            }
        }

        private static List<Token> Tokenize(string s)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (true)
            {
                // Insignificant: whitespace, line terminators, commas, the byte order mark and # comments.
                while (i < s.Length)
                {
                    var c = s[i];
                    if (c is ' ' or '\t' or '\n' or '\r' or ',' or '\uFEFF') i++;
                    else if (c == '#')
                        while (i < s.Length && s[i] is not ('\n' or '\r')) i++;
                    else break;
                }
                if (i >= s.Length)
                {
                    tokens.Add(new Token(Kind.End, "", i));
                    return tokens;
                }

                var start = i;
                var ch = s[i];
                if (string.CompareOrdinal(s, i, "...", 0, 3) == 0)
                {
                    tokens.Add(new Token(Kind.Punctuator, "...", start));
                    i += 3;
                }
                else if ("!$&()=:@[]{}|".Contains(ch))
                {
                    tokens.Add(new Token(Kind.Punctuator, ch.ToString(), start));
                    i++;
                }
                else if (ch == '_' || char.IsAsciiLetter(ch))
                {
                    while (i < s.Length && (s[i] == '_' || char.IsAsciiLetterOrDigit(s[i]))) i++;
                    tokens.Add(new Token(Kind.Name, s[start..i], start));
                }
                else if (ch == '-' || char.IsAsciiDigit(ch))
                {
                    if (ch == '-') i++;
                    while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
                    var isFloat = false;
                    if (i < s.Length && s[i] == '.')
                    {
                        isFloat = true;
                        i++;
                        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
                    }
                    if (i < s.Length && s[i] is 'e' or 'E')
                    {
                        isFloat = true;
                        i++;
                        if (i < s.Length && s[i] is '+' or '-') i++;
                        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
                    }
                    tokens.Add(new Token(isFloat ? Kind.Float : Kind.Int, s[start..i], start));
                }
                else if (string.CompareOrdinal(s, i, "\"\"\"", 0, 3) == 0)
                {
                    // Block string: its value never matters to the cost, only where it ends (\""" is an escaped quote).
                    i += 3;
                    while (i < s.Length && string.CompareOrdinal(s, i, "\"\"\"", 0, 3) != 0)
                        i += string.CompareOrdinal(s, i, "\\\"\"\"", 0, 4) == 0 ? 4 : 1;
                    if (i >= s.Length) throw new FormatException($"GraphQL syntax: unterminated block string at {start}");
                    i += 3;
                    tokens.Add(new Token(Kind.String, s[start..i], start));
                }
                else if (ch == '"')
                {
                    var text = new StringBuilder();
                    i++;
                    while (i < s.Length && s[i] != '"')
                    {
                        if (s[i] is '\n' or '\r') break;
                        if (s[i] == '\\' && i + 1 < s.Length) i++;
                        text.Append(s[i++]);
                    }
                    if (i >= s.Length || s[i] != '"') throw new FormatException($"GraphQL syntax: unterminated string at {start}");
                    i++;
                    tokens.Add(new Token(Kind.String, text.ToString(), start));
                }
                else throw new FormatException($"GraphQL syntax: unexpected '{ch}' at {start}");
            }
        }
    }
}
