using System.Data.Common;

namespace FeedbackDashboard.Core.Data;

public static class ReaderExtensions
{
    /// <summary>A column by name (null for SQL NULL): adding a column to a query shifts nothing.</summary>
    public static T Get<T>(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? default! : reader.GetFieldValue<T>(ordinal);
    }
}
