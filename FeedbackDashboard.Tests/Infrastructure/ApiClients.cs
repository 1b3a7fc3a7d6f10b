using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FeedbackDashboard.Core.ApiKeys;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackDashboard.Tests.Infrastructure;

public static class ApiClients
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>An HttpClient of the app carrying a fresh API key with these scopes.</summary>
    public static async Task<HttpClient> WithKeyAsync(this AppFactory app, PostgresDatabase db, params string[] scopes)
    {
        var key = await db.Services.GetRequiredService<ApiKeyService>()
            .CreateAsync("test-" + Guid.NewGuid().ToString("N")[..8], scopes);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, Json, TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string body, string contentType = "application/json") =>
        client.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, contentType), TestContext.Current.CancellationToken);

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static object Task(string repository = "Acme/Widgets", long installation = 77, int pr = 12, Guid? id = null,
        long authorId = 501, string authorLogin = "octo", string association = "CONTRIBUTOR", DateTimeOffset? createdAt = null) => new
    {
        id,
        repository,
        installation_id = installation,
        pr_number = pr,
        pr_author = new { github_id = authorId, login = authorLogin, association },
        created_at = createdAt,
    };
}
