using System.Data.Common;

namespace FeedbackDashboard.Core.Data;

/// <summary>
/// Hand-written reads take columns by name (the SELECT's column or alias), so adding a column shifts nothing.
/// Used on batched reads, where one round trip returns several result sets (EF's SqlQuery maps one).
/// </summary>
internal static class Columns
{
    /// <summary>The column's value; a nullable value type (int?) reads SQL NULL as null.</summary>
    public static T Get<T>(this DbDataReader row, string column) => row.GetFieldValue<T>(row.GetOrdinal(column));

    /// <summary>A reference-typed column that may be SQL NULL.</summary>
    public static T? GetOrNull<T>(this DbDataReader row, string column) where T : class => row.GetOrNull<T>(row.GetOrdinal(column));

    /// <summary>The same by ordinal, for reads that look their columns' names up once a result set.</summary>
    public static T? GetOrNull<T>(this DbDataReader row, int ordinal) where T : class =>
        row.IsDBNull(ordinal) ? null : row.GetFieldValue<T>(ordinal);
}
