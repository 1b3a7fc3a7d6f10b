using Npgsql;

namespace FeedbackDashboard.Core.Data;

/// <summary>Turns DATABASE_URL (a postgres:// URL or an Npgsql connection string) into a connection string.</summary>
public static class DatabaseUrl
{
    public static string ToConnectionString(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidDatabaseUrlException("DATABASE_URL is not set (run ./run.sh, which starts a local PostgreSQL, or set it).");

        value = value.Trim();
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUrl(value);
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(builder.Host))
                throw new InvalidDatabaseUrlException("DATABASE_URL names no host.");
            return builder.ConnectionString;
        }
        catch (ArgumentException e)
        {
            throw new InvalidDatabaseUrlException($"DATABASE_URL is neither a postgres:// URL nor a connection string: {e.Message}");
        }
    }

    private static string FromUrl(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new InvalidDatabaseUrlException("DATABASE_URL is not a valid postgres://user:pass@host:port/db URL.");

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0)
            throw new InvalidDatabaseUrlException("DATABASE_URL names no database (postgres://user:pass@host:port/db).");

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0) builder.Username = Uri.UnescapeDataString(userInfo[0]);
        if (userInfo.Length == 2) builder.Password = Uri.UnescapeDataString(userInfo[1]);

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            try
            {
                // Accept the libpq spelling sslmode=require as well as Npgsql keys.
                builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = val;
            }
            catch (ArgumentException)
            {
                throw new InvalidDatabaseUrlException($"DATABASE_URL has an unknown option '{key}'.");
            }
        }
        return builder.ConnectionString;
    }
}

public sealed class InvalidDatabaseUrlException(string message) : Exception(message);
