using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

internal sealed record UserPage(IReadOnlyList<UserDto> Items, string? NextCursor);

internal sealed record PatchUserRequest(IReadOnlyList<string>? Roles);

internal sealed record CreateApiKeyRequest(string? Name);

/// <summary>An upload key; <c>Active</c> is false once its maker was deleted or is no longer an admin (it then no longer works).</summary>
internal sealed record ApiKeyDto(string Id, string Name, string? Key, DateTime CreatedAt, bool Active);

internal static class AdminEndpoints
{
    public const string Policy = "admin";

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Administration").RequireAuthorization(Policy);
        admin.MapGet("/users", ListUsersAsync).WithSummary("Every account, newest first");
        admin.MapPatch("/users/{id}", PatchUserAsync).WithSummary("Change a user's roles");
        admin.MapDelete("/users/{id}", DeleteUserAsync).WithSummary("Delete an account (its videos stay, owned by nobody)");
        admin.MapGet("/api-keys", ListKeysAsync).WithSummary("Upload keys (without the keys themselves)");
        admin.MapPost("/api-keys", CreateKeyAsync).WithSummary("Make an upload key; the key is shown once");
        admin.MapDelete("/api-keys/{id}", DeleteKeyAsync).WithSummary("Revoke an upload key");
        return app;
    }

    private static async Task<Results<Ok<UserPage>, ProblemHttpResult>> ListUsersAsync(
        AccountStore accounts, CancellationToken cancellationToken, int limit = 50, string? cursor = null)
    {
        var (after, problem) = Cursor.Page(limit, cursor);
        if (problem is not null) return problem;
        var rows = await accounts.ListUsersAsync(limit + 1, after, cancellationToken);
        var page = rows.Take(limit).ToList();
        return TypedResults.Ok(new UserPage(page.Select(UserDto.From).ToList(), rows.Count > limit ? Cursor.Encode(page[^1].CreatedAt, page[^1].Id) : null));
    }

    private static async Task<Results<Ok<UserDto>, ProblemHttpResult>> PatchUserAsync(
        string id, PatchUserRequest body, Caller caller, AccountStore accounts, AccountRights rights, CancellationToken cancellationToken)
    {
        if (body.Roles is null || body.Roles.Count == 0 || body.Roles.Any(r => !Roles.All.Contains(r)))
            return Problems.BadRequest("invalid_roles", "roles is a non-empty list of admin, uploader, viewer.");
        if (await accounts.FindUserAsync(id: id, cancellationToken: cancellationToken) is not { } user) return Problems.NotFound("user");
        if (id == caller.UserId && !body.Roles.Contains(Roles.Admin))
            return Problems.Create(StatusCodes.Status409Conflict, "cannot_change_self", "Not allowed", "An admin cannot take away their own admin role.");
        await accounts.SetRolesAsync(id, string.Join(',', body.Roles.Distinct().Order(StringComparer.Ordinal)), cancellationToken);
        // The account's next request, even with a token signed before, acts with the new roles (other nodes: ADR 0016).
        rights.Forget(id);
        return TypedResults.Ok(UserDto.From((await accounts.FindUserAsync(id: id, cancellationToken: cancellationToken))!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteUserAsync(
        string id, Caller caller, AccountStore accounts, AccountRights rights, CancellationToken cancellationToken)
    {
        if (id == caller.UserId)
            return Problems.Create(StatusCodes.Status409Conflict, "cannot_change_self", "Not allowed", "An admin cannot delete their own account.");
        var deleted = await accounts.DeleteUserAsync(id, cancellationToken) > 0;
        // Its access tokens are refused from the next request; its refresh tokens went with the row.
        rights.Forget(id);
        return deleted ? TypedResults.NoContent() : Problems.NotFound("user");
    }

    private static async Task<Ok<List<ApiKeyDto>>> ListKeysAsync(AccountStore accounts, CancellationToken cancellationToken) =>
        TypedResults.Ok((await accounts.ListApiKeysAsync(cancellationToken))
            .Select(k => new ApiKeyDto(k.Id, k.Name, null, DateTimeOffset.FromUnixTimeMilliseconds(k.CreatedAt).UtcDateTime, k.Active)).ToList());

    private static async Task<Results<Created<ApiKeyDto>, ProblemHttpResult>> CreateKeyAsync(
        CreateApiKeyRequest body, Caller caller, AccountStore accounts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var name = (body.Name ?? "").Trim();
        if (name.Length is 0 or > 100) return Problems.BadRequest("invalid_name", "A key's name has 1 to 100 characters.");
        var id = Ids.New();
        var key = Secrets.New(ApiKeyAuthentication.Prefix);
        await accounts.InsertApiKeyAsync(id, name, Secrets.Hash(key), caller.UserId, cancellationToken);
        return TypedResults.Created($"/api/admin/api-keys/{id}", new ApiKeyDto(id, name, key, clock.GetUtcNow().UtcDateTime, true));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteKeyAsync(string id, AccountStore accounts, CancellationToken cancellationToken) =>
        await accounts.DeleteApiKeyAsync(id, cancellationToken) > 0 ? TypedResults.NoContent() : Problems.NotFound("key");
}
