using System.Data.Common;
using Dapper;

namespace Reel.Server.Data;

/// <summary>
/// The job queue lives in the database: a job is claimed with a lease that its worker renews while it works.
/// A crashed worker's job is taken again once the lease lapses; nothing is lost. Each claim has its own token and every
/// later change names it, so a worker that lost its lease changes nothing (it also stops before its lease lapses).
/// </summary>
internal sealed class JobQueue(Database database, TimeProvider clock)
{
    private const string Columns = "id, video_id, kind, state, attempts, interruptions, run_after, lease_owner, lease_token, lease_until, last_error";

    // Every change a claimer makes names its claim: once the lease lapsed and another claim took the job (a new token),
    // or the job is gone, the old claimer's changes match no row.
    private const string Fenced = "id = @Id AND state = 'running' AND lease_token = @LeaseToken";

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public static Task EnqueueAsync(DbConnection connection, DbTransaction? transaction, string videoId, string kind, long now, long? runAfter = null) =>
        connection.ExecuteAsync(
            "INSERT INTO jobs (video_id, kind, state, attempts, run_after, created_at, updated_at) VALUES (@videoId, @kind, 'queued', 0, @runAfter, @now, @now)",
            new { videoId, kind, now, runAfter = runAfter ?? now }, transaction);

    public async Task EnqueueAsync(string videoId, string kind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await EnqueueAsync(connection, null, videoId, kind, Now);
    }

    /// <summary>
    /// Takes a runnable job of a kind (queued and due, or running under a lapsed lease): the oldest job of the uploader
    /// with the fewest jobs of that kind running now; between uploaders running as many, the oldest job. The claim gets the
    /// job's next lease token; taking a job whose lease lapsed counts an interruption of the run that held it.
    /// </summary>
    public async Task<JobRecord?> ClaimAsync(string kind, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await database.OpenAsync(cancellationToken);
        // Oldest first alone lets one person's fifty uploads hold every encoder for hours while another's one video waits
        // behind them; putting the uploader with the fewest running jobs first makes uploaders take turns. Videos with no
        // uploader ('', rows from before it was recorded) share one turn. A lapsed lease is not running: its job is
        // claimable and does not count. The state IN (...) is redundant but lets jobs_claimable skip finished jobs.
        // Still one statement: atomic in SQLite (one writer); PostgreSQL locks only the job row taken (FOR UPDATE OF j)
        // and skips rows another worker is taking. There two claims at the same instant may see the same counts.
        return await connection.QuerySingleOrDefaultAsync<JobRecord>(
            $"""
            WITH busy AS (
                SELECT COALESCE(v.uploader, '') AS uploader, COUNT(*) AS running
                FROM jobs j JOIN videos v ON v.id = j.video_id
                WHERE j.kind = @kind AND j.state = 'running' AND j.lease_until >= @now
                GROUP BY COALESCE(v.uploader, ''))
            UPDATE jobs SET state = 'running', lease_owner = @owner, lease_until = @until, lease_token = lease_token + 1,
                interruptions = interruptions + CASE WHEN state = 'running' THEN 1 ELSE 0 END, updated_at = @now
            WHERE id = (
                SELECT j.id
                FROM jobs j
                JOIN videos v ON v.id = j.video_id
                LEFT JOIN busy b ON b.uploader = COALESCE(v.uploader, '')
                WHERE j.kind = @kind AND j.state IN ('queued', 'running')
                    AND ((j.state = 'queued' AND j.run_after <= @now) OR (j.state = 'running' AND j.lease_until < @now))
                ORDER BY COALESCE(b.running, 0), j.run_after, j.id
                LIMIT 1{database.SkipLockedOf("j")})
            RETURNING {Columns}
            """,
            new { kind, owner, now, until = now + (long)lease.TotalMilliseconds });
    }

    /// <summary>
    /// Extends the claim's lease; false when the claim is over: the job is gone (its video was deleted), or its lease
    /// lapsed and another claim took the job.
    /// </summary>
    public async Task<bool> RenewAsync(JobRecord job, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"UPDATE jobs SET lease_until = @until, updated_at = @now WHERE {Fenced}",
            new { job.Id, job.LeaseToken, now, until = now + (long)lease.TotalMilliseconds }) > 0;
    }

    /// <summary>
    /// Marks the claimed job done and, in the same transaction, queues the next one (if any) to run after a delay.
    /// False, and nothing queued, when the claim was over: another claim's run is the one that counts.
    /// </summary>
    public async Task<bool> CompleteAsync(JobRecord job, string? nextKind, TimeSpan nextDelay, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var done = await connection.ExecuteAsync(
            $"UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, last_error = NULL, updated_at = @now WHERE {Fenced}",
            new { job.Id, job.LeaseToken, now }, transaction) > 0;
        if (done && nextKind is not null)
            await EnqueueAsync(connection, transaction, job.VideoId, nextKind, now, now + (long)nextDelay.TotalMilliseconds);
        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    /// <summary>
    /// Puts the claimed job back in the queue to run again after a delay; <paramref name="countFailure"/> when the job
    /// itself failed (it counts towards the limit), not when something it depends on (object storage) was away.
    /// False when the claim was over.
    /// </summary>
    public async Task<bool> RetryAsync(JobRecord job, string error, TimeSpan delay, bool countFailure, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            $"""
            UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, last_error = @error, run_after = @runAfter, updated_at = @now,
                attempts = attempts + @failure
            WHERE {Fenced}
            """,
            new { job.Id, job.LeaseToken, error, runAfter = Now + (long)delay.TotalMilliseconds, now = Now, failure = countFailure ? 1 : 0 }, cancellationToken) > 0;

    /// <summary>Ends the claimed job as failed (counting the failure when the job caused it); false when the claim was over.</summary>
    public async Task<bool> FailAsync(JobRecord job, string error, bool countFailure, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            $"UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_until = NULL, last_error = @error, updated_at = @now, attempts = attempts + @failure WHERE {Fenced}",
            new { job.Id, job.LeaseToken, error, now = Now, failure = countFailure ? 1 : 0 }, cancellationToken) > 0;

    /// <summary>Gives the claimed job back, counting nothing: the worker is shutting down, neither failing nor crashing.</summary>
    public async Task<bool> ReleaseAsync(JobRecord job, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            $"UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = @now WHERE {Fenced}",
            new { job.Id, job.LeaseToken, now = Now }, cancellationToken) > 0;

    /// <summary>
    /// At start: whatever this node held before it died is free again at once, without waiting for the lease. Each such
    /// run counts as an interruption (the node stopped without handing the job back), never as a failure.
    /// </summary>
    public async Task<int> ReleaseLeasesOfAsync(string owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, interruptions = interruptions + 1, updated_at = @now WHERE state = 'running' AND lease_owner = @owner",
            new { owner, now = Now });
    }

    /// <summary>Whether the video has a job (of the kind, when one is given) queued or running.</summary>
    public async Task<bool> HasPendingAsync(string videoId, string? kind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM jobs WHERE video_id = @videoId AND (@kind IS NULL OR kind = @kind) AND state IN ('queued', 'running')", new { videoId, kind }) > 0;
    }
}
