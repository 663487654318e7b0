using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

internal static class AuthSetup
{
    private const string Scheme = "Reel";
    private const string AccountGone = "reel.account_gone";

    public static IServiceCollection AddReelAuth(this IServiceCollection services)
    {
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<StreamTokens>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<LoginLimiter>();
        services.AddSingleton<AccountStore>();
        services.AddSingleton<LinkRevocations>();
        services.AddSingleton<AccountRights>();
        services.AddSingleton<IClusterNotificationHandler, AccountNotifications>();
        services.AddSingleton<IClusterNotificationHandler, RevocationNotifications>();

        // One scheme in front: upload keys (recognisable by their prefix) go to the key check, everything else is a JWT.
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, Scheme, o => o.ForwardDefaultSelector = context =>
                BearerToken(context.Request)?.StartsWith(ApiKeyAuthentication.Prefix, StringComparison.Ordinal) == true
                    ? ApiKeyAuthentication.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeys, IOptions<AuthOptions>, AccountRights>((o, keys, auth, rights) =>
            {
                // One handler, and claims kept as the token names them ('sub', 'roles'), never mapped to the long
                // ClaimTypes URIs: Caller reads "sub" and "roles" as they are.
                o.MapInboundClaims = false;
                o.TokenHandlers.Clear();
                o.TokenHandlers.Add(new JsonWebTokenHandler { MapInboundClaims = false });
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Value.Issuer,
                    ValidAudience = auth.Value.Audience,
                    // Only RS256 with one of our keys, found by kid: no 'none', no HMAC keyed with the public key, no guessing.
                    ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                    IssuerSigningKeyResolver = (_, _, kid, _) => keys.Resolve(kid),
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ValidateIssuerSigningKey = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = Claims.Subject,
                    RoleClaimType = Claims.Roles,
                };
                o.Events = new JwtBearerEvents
                {
                    // Signed compact JWS only (three parts): an encrypted JWE is refused before any library looks inside.
                    OnMessageReceived = context =>
                    {
                        if (BearerToken(context.Request) is { } token && token.Count(c => c == '.') != 2) context.Fail("Only signed compact JWS tokens are accepted.");
                        return Task.CompletedTask;
                    },
                    // The token says who is asking; what they may do is what their account may do now, not what it
                    // could when the token was signed (ADR 0016). A deleted account's tokens stop here.
                    OnTokenValidated = async context =>
                    {
                        var principal = context.Principal!;
                        var roles = principal.FindFirstValue(Claims.Subject) is { } userId
                            ? await rights.CurrentRolesAsync(userId, context.HttpContext.RequestAborted)
                            : null;
                        if (roles is null)
                        {
                            context.HttpContext.Items[AccountGone] = true;
                            context.Fail("The token's account no longer exists.");
                            return;
                        }
                        var identity = new ClaimsIdentity(
                            principal.Claims.Where(c => c.Type != Claims.Roles).Concat(roles.Select(r => new Claim(Claims.Roles, r))),
                            principal.Identity?.AuthenticationType, Claims.Subject, Claims.Roles);
                        context.Principal = new ClaimsPrincipal(identity);
                    },
                };
            });
        services.AddAuthorization(o => o.AddPolicy(AdminEndpoints.Policy, p => p.RequireRole(Roles.Admin)));
        return services;
    }

    /// <summary>
    /// A request that sends credentials which do not check out gets 401 at once, even where signing in is optional:
    /// acting as anonymous instead would hide an expired token from the client until something fails oddly later.
    /// </summary>
    public static IApplicationBuilder UseReelAuth(this WebApplication app)
    {
        app.UseAuthentication();
        app.Use(async (context, next) =>
        {
            // The sign-in endpoints are where a client with a stale token goes to get a new one.
            var path = context.Request.Path;
            var signingIn = path.StartsWithSegments("/api/auth") && !path.StartsWithSegments("/api/auth/me");
            if (BearerToken(context.Request) is not null && context.User.Identity?.IsAuthenticated != true
                && path.StartsWithSegments("/api") && !signingIn)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                await (context.Items.ContainsKey(AccountGone)
                    ? Problems.Create(StatusCodes.Status401Unauthorized, "account_gone", "Invalid credentials",
                        "The account this token was issued to has been deleted.")
                    : Problems.Create(StatusCodes.Status401Unauthorized, "invalid_token", "Invalid credentials",
                        "The bearer token is expired, revoked or not one of ours. Refresh it or sign in again.")).ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        app.UseAuthorization();
        return app;
    }

    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    /// <summary>Creates the configured admin account on start when it does not exist yet.</summary>
    public static async Task EnsureConfiguredAdminAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (options.AdminEmail is null && options.AdminPassword is null) return;
        if (Sessions.NormalizeEmail(options.AdminEmail) is not { } email || options.AdminPassword is not { Length: >= Sessions.MinPasswordLength })
            throw new InvalidOperationException($"Auth:AdminEmail (an email address) and Auth:AdminPassword (at least {Sessions.MinPasswordLength} characters) go together.");
        if (await app.Services.GetRequiredService<AccountStore>().FindUserAsync(email: email) is not null) return;
        await app.Services.GetRequiredService<Sessions>().CreateUserAsync(email, "", options.AdminPassword, Roles.Admin, CancellationToken.None);
    }
}

/// <summary>Upload keys: from <c>Auth:ApiKeys</c> or made by an admin (stored hashed). A key may upload, nothing more.</summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    AccountStore accounts, IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Prefix = "reelk_";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (AuthSetup.BearerToken(Request) is not { } key) return AuthenticateResult.NoResult();
        var hash = Secrets.Hash(key);
        var id = auth.Value.ApiKeys.Any(k => Secrets.Matches(k, hash))
            ? "config"
            : await accounts.FindApiKeyIdAsync(hash, Context.RequestAborted);
        if (id is null) return AuthenticateResult.Fail("Unknown upload key.");
        var identity = new ClaimsIdentity([new Claim(Caller.ApiKeyClaim, id)], SchemeName, Claims.Subject, Claims.Roles);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
