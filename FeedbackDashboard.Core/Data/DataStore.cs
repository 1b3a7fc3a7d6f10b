using System.Net.Sockets;
using Npgsql;

namespace FeedbackDashboard.Core.Data;

/// <summary>Tells a data store that cannot be reached (a 503 to retry) from a failure of the request itself (a 500).</summary>
public static class DataStore
{
    /// <summary>Seconds a client should wait before retrying while the data store is unreachable.</summary>
    public const int RetryAfterSeconds = 5;

    public static bool IsUnreachable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // Class 08 is a connection exception, 57P01-57P03 a server shutting down or starting.
                case PostgresException pg: return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03";
                case NpgsqlException: return true;
                case SocketException or TimeoutException: return true;
            }
        }
        return false;
    }
}
