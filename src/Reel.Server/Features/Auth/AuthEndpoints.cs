using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Features.Limits;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

internal sealed record RegisterRequest(string? Email, string? Password, string? DisplayName, string? Session);

internal sealed record LoginRequest(string? Email, string? Password, string? Session);

internal sealed record RefreshRequest(string? RefreshToken);

/// <summary>The signed-in user, with the storage the account uses and its quota (null: unlimited).</summary>
internal sealed record MeDto(string Id, string Email, string DisplayName, IReadOnlyList<string> Roles, DateTime CreatedAt, StorageUsageDto Storage)
{
    public static MeDto From(UserDto user, StorageUsageDto storage) => new(user.Id, user.Email, user.DisplayName, user.Roles, user.CreatedAt, storage);
}

internal static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Accounts");
        auth.MapPost("/register", RegisterAsync).WithSummary("Create an account and sign in");
        auth.MapPost("/login", LoginAsync).WithSummary("Sign in");
        auth.MapPost("/refresh", RefreshAsync).WithSummary("Trade a refresh token for a new session");
        auth.MapPost("/logout", LogoutAsync).WithSummary("Sign out: revoke the session's refresh tokens");
        auth.MapGet("/me", MeAsync).WithSummary("The signed-in user");
        app.MapGet("/.well-known/jwks.json", (SigningKeys keys, HttpResponse response) =>
        {
            response.Headers.CacheControl = "public, max-age=300";
            return TypedResults.Ok(keys.Jwks());
        }).WithTags("Accounts").WithSummary("Public keys that verify access tokens");
        return app;
    }

    private static async Task<Results<Created<SessionDto>, ProblemHttpResult>> RegisterAsync(
        RegisterRequest body, HttpContext context, AccountStore accounts, Sessions sessions, LoginLimiter limiter,
        IOptions<AuthOptions> options, CancellationToken cancellationToken)
    {
        if (!options.Value.AllowRegistration)
            return Problems.Create(StatusCodes.Status403Forbidden, "registration_closed", "Registration is closed", "Ask an administrator for an account.");
        var email = Sessions.NormalizeEmail(body.Email);
        if (email is null) return Problems.BadRequest("invalid_email", "Give a valid email address.");
        if (body.Password is not { Length: >= Sessions.MinPasswordLength and <= 1024 })
            return Problems.BadRequest("weak_password", $"A password has at least {Sessions.MinPasswordLength} characters.");
        if (TooMany(limiter.Attempt(Address(context), email), context) is { } wait) return wait;

        var displayName = string.Join(' ', (body.DisplayName ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (displayName.Length > 80) return Problems.BadRequest("invalid_display_name", "A display name has at most 80 characters.");
        if (await sessions.CreateUserAsync(email, displayName, body.Password, options.Value.RegistrationRole, cancellationToken) is not { } user)
            return Problems.Create(StatusCodes.Status409Conflict, "email_taken", "Email taken", "An account with this email exists; sign in instead.");
        var session = await sessions.StartAsync(user, null, cancellationToken);
        return TypedResults.Created("/api/auth/me", Deliver(session, body.Session, context, sessions));
    }

    private static async Task<Results<Ok<SessionDto>, ProblemHttpResult>> LoginAsync(
        LoginRequest body, HttpContext context, AccountStore accounts, Sessions sessions, LoginLimiter limiter, CancellationToken cancellationToken)
    {
        var email = Sessions.NormalizeEmail(body.Email) ?? (body.Email ?? "").Trim();
        if (TooMany(limiter.Attempt(Address(context), email), context) is { } wait) return wait;
        var user = await accounts.FindUserAsync(email: email, cancellationToken: cancellationToken);
        var (ok, rehashed) = Sessions.VerifyPassword(user, body.Password ?? "");
        if (!ok || user is null)
        {
            limiter.Failed(email);
            return Problems.Create(StatusCodes.Status401Unauthorized, "invalid_credentials", "Sign-in failed", "The email or the password is wrong.");
        }
        limiter.Succeeded(email);
        if (rehashed is not null) await accounts.SetPasswordHashAsync(user.Id, rehashed, cancellationToken);
        return TypedResults.Ok(Deliver(await sessions.StartAsync(user, null, cancellationToken), body.Session, context, sessions));
    }

    private static async Task<Results<Ok<SessionDto>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest? body, HttpContext context, Sessions sessions, CancellationToken cancellationToken)
    {
        var fromCookie = context.Request.Cookies[Sessions.RefreshCookie];
        var token = body?.RefreshToken ?? fromCookie;
        if (string.IsNullOrEmpty(token))
            return Problems.Create(StatusCodes.Status401Unauthorized, "invalid_refresh_token", "Not signed in", "No refresh token was sent.");
        var (session, problem) = await sessions.RefreshAsync(token, cancellationToken);
        if (session is null)
        {
            if (body?.RefreshToken is null) context.Response.Cookies.Delete(Sessions.RefreshCookie, CookieOptions(context, sessions));
            return Problems.Create(StatusCodes.Status401Unauthorized, problem!, "Not signed in",
                problem == "refresh_token_reused"
                    ? "This refresh token was already used, so every session of this sign-in is now revoked. Sign in again."
                    : "The refresh token is unknown, expired or revoked. Sign in again.");
        }
        // A session held in the cookie stays in the cookie.
        return TypedResults.Ok(Deliver(session, body?.RefreshToken is null ? "cookie" : null, context, sessions));
    }

    private static async Task<NoContent> LogoutAsync(RefreshRequest? body, HttpContext context, Sessions sessions, CancellationToken cancellationToken)
    {
        if ((body?.RefreshToken ?? context.Request.Cookies[Sessions.RefreshCookie]) is { Length: > 0 } token)
            await sessions.LogoutAsync(token, cancellationToken);
        context.Response.Cookies.Delete(Sessions.RefreshCookie, CookieOptions(context, sessions));
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeDto>, ProblemHttpResult>> MeAsync(
        Caller caller, AccountStore accounts, UploadAllowance allowance, CancellationToken cancellationToken) =>
        caller.UserId is { } id && await accounts.FindUserAsync(id: id, cancellationToken: cancellationToken) is { } user
            ? TypedResults.Ok(MeDto.From(UserDto.From(user), await allowance.UsageAsync(caller, id, cancellationToken)))
            : Problems.SignInRequired("Sign in first.");

    /// <summary>For the web UI (<c>session: "cookie"</c>) the refresh token goes into an HttpOnly cookie, never into script's reach.</summary>
    private static SessionDto Deliver(SessionDto session, string? mode, HttpContext context, Sessions sessions)
    {
        if (mode != "cookie") return session;
        context.Response.Cookies.Append(Sessions.RefreshCookie, session.RefreshToken!, CookieOptions(context, sessions));
        return session with { RefreshToken = null };
    }

    private static CookieOptions CookieOptions(HttpContext context, Sessions sessions) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = "/api/auth",
        MaxAge = sessions.RefreshLifetime,
    };

    private static ProblemHttpResult? TooMany(TimeSpan? wait, HttpContext context) =>
        wait is { } w ? Problems.TooManyAttempts(context.Response, w, "sign-in attempts") : null;

    private static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
