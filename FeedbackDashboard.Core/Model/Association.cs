namespace FeedbackDashboard.Core.Model;

/// <summary>GitHub's author_association of a person on a repository (stored as GitHub spells it, upper case).</summary>
public enum Association { Owner, Member, Collaborator, Contributor, FirstTimeContributor, FirstTimer, Mannequin, None }

public static class Associations
{
    public const string Owner = "OWNER";
    public const string Member = "MEMBER";
    public const string Collaborator = "COLLABORATOR";
    public const string None = "NONE";

    public static WireNames<Association> Names { get; } = new(
        (Association.Owner, Owner), (Association.Member, Member), (Association.Collaborator, Collaborator),
        (Association.Contributor, "CONTRIBUTOR"), (Association.FirstTimeContributor, "FIRST_TIME_CONTRIBUTOR"),
        (Association.FirstTimer, "FIRST_TIMER"), (Association.Mannequin, "MANNEQUIN"), (Association.None, None));

    public static string ToWire(this Association association) => Names.ToWire(association);

    public static Association? Parse(string? value) => Names.Parse(value);

    /// <summary>Owners, members and collaborators are the repository's maintainers (the maintainers table holds only them).</summary>
    public static bool IsMaintainer(this Association association) => association is Association.Owner or Association.Member or Association.Collaborator;

    /// <summary>OWNER &gt; MEMBER &gt; COLLABORATOR: when one person is several, the strongest wins.</summary>
    public static int Rank(this Association association) => association switch
    {
        Association.Owner => 3,
        Association.Member => 2,
        Association.Collaborator => 1,
        _ => 0,
    };
}

/// <summary>Who owns a repository on GitHub (repositories.owner_type): a user, or an organization whose members maintain it.</summary>
public enum OwnerType { User, Organization, Bot }

public static class OwnerTypes
{
    public static WireNames<OwnerType> Names { get; } = new((OwnerType.User, "User"), (OwnerType.Organization, "Organization"), (OwnerType.Bot, "Bot"));

    public static string ToWire(this OwnerType type) => Names.ToWire(type);
}
