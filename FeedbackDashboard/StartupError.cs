using System.Net.Sockets;
using FeedbackDashboard.Core;
using FeedbackDashboard.Core.Data;
using Npgsql;

namespace FeedbackDashboard;

/// <summary>Turns the failures an operator can fix (bad settings, no database) into one readable line.</summary>
internal static class StartupError
{
    public static string? Describe(Exception e) => e switch
    {
        InvalidDatabaseUrlException or InvalidSettingException => e.Message,
        NpgsqlException { InnerException: SocketException s } => $"cannot reach the database named by DATABASE_URL: {s.Message}",
        PostgresException p => $"the database refused: {p.MessageText} ({p.SqlState})",
        NpgsqlException n => $"cannot use the database named by DATABASE_URL: {n.Message}",
        TimeoutException t => $"the database did not answer in time: {t.Message}",
        _ when e.InnerException is { } inner => Describe(inner),
        _ => null,
    };
}
