using FeedbackDashboard.Core.Data;
using Npgsql;

namespace FeedbackDashboard.Tests.Core;

public sealed class DatabaseUrlTests
{
    [Fact]
    public void Postgres_url_becomes_a_connection_string()
    {
        var cs = new NpgsqlConnectionStringBuilder(
            DatabaseUrl.ToConnectionString("postgres://app:p%40ss@db.example:6543/feedback?sslmode=require"));
        Assert.Equal("db.example", cs.Host);
        Assert.Equal(6543, cs.Port);
        Assert.Equal("feedback", cs.Database);
        Assert.Equal("app", cs.Username);
        Assert.Equal("p@ss", cs.Password);
        Assert.Equal(SslMode.Require, cs.SslMode);
    }

    [Fact]
    public void Npgsql_connection_string_passes_through()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString("Host=h;Port=1;Username=u;Database=d"));
        Assert.Equal("h", cs.Host);
        Assert.Equal("d", cs.Database);
    }

    [Theory]
    [InlineData("")]
    [InlineData("postgres://")]
    [InlineData("postgres://user@host:5432/")]
    [InlineData("Nonsense=1")]
    [InlineData("not a url at all")]
    public void Malformed_values_name_the_problem(string value)
    {
        var e = Assert.Throws<InvalidDatabaseUrlException>(() => DatabaseUrl.ToConnectionString(value));
        Assert.Contains("DATABASE_URL", e.Message);
    }
}
