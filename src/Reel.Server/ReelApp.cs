using Dapper;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Features.Limits;
using Reel.Server.Features.Operations;
using Reel.Server.Features.Streaming;
using Reel.Server.Features.Uploads;
using Reel.Server.Features.Videos;
using Reel.Server.Features.Web;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server;

/// <summary>
/// The whole server, built and ready to run: Program runs it, and the tests host it in their own process (a boot there
/// costs a fraction of a new process's JIT) where no process has to be killed.
/// </summary>
internal static class ReelApp
{
    /// <summary>
    /// Builds the server from command-line style <paramref name="args"/>, migrates the database, makes sure storage
    /// and the first admin exist, and maps every endpoint of the node's roles. <paramref name="configure"/> runs first
    /// on the builder (the tests send the log to a file).
    /// </summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Content root is the binary's folder, so appsettings.json is found whatever the working directory. The name is
        // this assembly's also when a test process hosts the server (the OpenAPI document's title is made of it).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(ReelApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);
        var node = NodeSettings.From(builder.Configuration);
        node.CreateDirectories();
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        builder.Services.AddSingleton(node);
        // A host that brought its own clock (a test's fake one) keeps it.
        builder.Services.TryAddSingleton(TimeProvider.System);
        AddValidatedOptions<UploadOptions>(UploadOptions.Section);
        AddValidatedOptions<StorageOptions>(StorageOptions.Section);
        AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section);
        AddValidatedOptions<ProcessingOptions>(ProcessingOptions.Section);
        AddValidatedOptions<WebOptions>(WebOptions.Section);
        AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        AddValidatedOptions<ServerOptions>(ServerOptions.Section);
        AddValidatedOptions<EmbedOptions>(EmbedOptions.Section);
        builder.Services.AddReelAuth();
        builder.Services.AddSingleton<VideoViews>();
        // Read here, not injected: the policy is part of the pipeline built below.
        var corsOrigins = builder.Configuration.GetSection(CorsOptions.Section).Get<CorsOptions>()?.AllowedOrigins ?? [];
        var trustedProxies = builder.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>()?.TrustedNetworks ?? [];
        if (trustedProxies.Length > 0)
        {
            // Behind nginx every request comes from nginx: sign-in limits and logs need the client's own address.
            builder.Services.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                o.KnownIPNetworks.Clear();
                o.KnownProxies.Clear();
                foreach (var network in trustedProxies) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            });
        }
        if (corsOrigins.Length > 0)
        {
            // Bearer tokens, not cookies, cross origins: no credentials mode, so any listed origin can call the API.
            builder.Services.AddCors(o => o.AddDefaultPolicy(p => p.WithOrigins(corsOrigins).AllowAnyHeader().AllowAnyMethod()
                .WithExposedHeaders(["Location", "Content-Range", "Content-Length", "Accept-Ranges", "ETag", "Retry-After", .. TusEndpoints.ExposedHeaders])));
        }

        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton<VideoStore>();
        builder.Services.AddSingleton<UploadStore>();
        builder.Services.AddSingleton<ShareStore>();
        builder.Services.AddSingleton<Shares>();
        builder.Services.AddSingleton<LinkPreviews>();
        builder.Services.AddSingleton<Posters>();
        builder.Services.AddSingleton<CaptionStore>();
        builder.Services.AddSingleton<Captions>();
        builder.Services.AddSingleton<HlsMaster>();
        builder.Services.AddSingleton<SourceCaptions>();
        builder.Services.AddSingleton<JobQueue>();
        if (builder.Configuration["Storage:Provider"] == "s3") builder.Services.AddSingleton<IMediaStorage, S3Storage>();
        else builder.Services.AddSingleton<IMediaStorage, LocalStorage>();
        builder.Services.AddSingleton<MediaTools>();
        builder.Services.AddSingleton<ReadinessProbe>();
        builder.Services.AddSingleton<UploadReceiver>();
        builder.Services.AddSingleton<UploadAllowance>();
        builder.Services.AddSingleton<VideoIntake>();
        builder.Services.AddSingleton<ResumableUploads>();
        builder.Services.AddUploadRateLimit();
        builder.Services.AddSingleton<WorkSignal>();
        builder.Services.AddSingleton<IClusterNotificationHandler, JobWakeups>();
        builder.Services.AddSingleton<RunningJobs>();
        builder.Services.AddSingleton<JobFailures>();
        builder.Services.AddSingleton<VideoProcessor>();
        builder.Services.AddSingleton<StartupRecovery>();
        builder.Services.AddSingleton<FileSweeper>();
        if (node.Has("worker")) builder.Services.AddHostedService<WorkerService>();
        if (node.Has("stream")) builder.Services.AddHostedService<LinkRevocationPoller>();
        if (builder.Configuration["Database:Provider"] == "postgres") builder.Services.AddHostedService<ClusterNotifications>();

        builder.Services.AddOpenApi(OpenApiContract.Describe);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            var status = c.ProblemDetails.Status ?? c.HttpContext.Response.StatusCode;
            c.ProblemDetails.Extensions.TryAdd("code", Problems.CodeFor(status));
            if (status == StatusCodes.Status415UnsupportedMediaType)
                c.ProblemDetails.Detail ??= Problems.UnsupportedContentTypeDetail;
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                c.ProblemDetails.Detail ??= "Object storage is unreachable just now; nothing was changed. Try again shortly.";
                c.HttpContext.Response.Headers.RetryAfter = Problems.StorageRetryAfterSeconds;
            }
            c.ProblemDetails.Extensions.Remove("traceId");
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);

        var app = builder.Build();

        await app.Services.GetRequiredService<Database>().MigrateAsync(CancellationToken.None);
        await app.EnsureConfiguredAdminAsync();
        await app.Services.GetRequiredService<IMediaStorage>().InitializeAsync(CancellationToken.None);
        // A stream node honours no playback link before it knows the revoked ones.
        if (node.Has("stream")) await app.Services.GetRequiredService<LinkRevocations>().RefreshAsync(CancellationToken.None);
        app.Services.GetRequiredService<StartupRecovery>().RemoveScratchFiles();

        if (trustedProxies.Length > 0) app.UseForwardedHeaders();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e switch
            {
                BadHttpRequestException b => b.StatusCode,
                StorageUnavailableException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        if (corsOrigins.Length > 0) app.UseCors();
        app.UseReelAuth();
        // After the forwarded headers: the limits count the real client's address.
        app.UseRateLimiter();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealth();
        if (node.Has("api"))
        {
            app.MapVideos();
            app.MapShares();
            app.MapOEmbed();
            app.MapPosters();
            app.MapReplacements();
            app.MapCaptions();
            app.MapTusUploads();
            app.MapAuth();
            app.MapAdmin();
            app.MapWebUi();
        }
        if (node.Has("stream")) app.MapStreaming();

        app.Logger.LogInformation("Reel node {NodeId} with roles {Roles}, data in {DataDir}", node.NodeId, string.Join(',', node.Roles), node.DataDir);
        // A node with some of the roles is one of several: what one signs, another checks. Keys made in this node's own data
        // folder work only for nodes sharing that folder.
        if (node.Roles.Count < NodeSettings.AllRoles.Length
            && (string.IsNullOrWhiteSpace(app.Configuration["Auth:StreamKey"]) || string.IsNullOrWhiteSpace(app.Configuration["Auth:SigningKeysDir"])))
        {
            app.Logger.LogWarning("This node keeps its keys in {DataDir}/keys. Nodes on other data folders must share them: set Auth:StreamKey and Auth:SigningKeysDir on every node.", node.DataDir);
        }
        return app;

        void AddValidatedOptions<T>(string section) where T : class =>
            builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
    }
}
