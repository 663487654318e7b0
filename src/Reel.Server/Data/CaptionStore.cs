using System.Data.Common;
using Dapper;

namespace Reel.Server.Data;

/// <summary>The SQL of captions. At most one caption of a video is its default; setting one clears the others.</summary>
internal sealed class CaptionStore(Database database)
{
    private const string Columns = "id, video_id, language, label, is_default, origin, file_key, cue_count, published_media, created_at";

    /// <summary>The video's captions: the default first, then by age (a source's in the file's order).</summary>
    public async Task<IReadOnlyList<CaptionRecord>> ListAsync(string videoId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<CaptionRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM captions WHERE video_id = @videoId ORDER BY is_default DESC, created_at, id",
            new { videoId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>The captions of each of <paramref name="videoIds"/> (a page of the library).</summary>
    public async Task<ILookup<string, CaptionRecord>> ListAsync(IReadOnlyCollection<string> videoIds, CancellationToken cancellationToken)
    {
        if (videoIds.Count == 0) return Array.Empty<CaptionRecord>().ToLookup(c => c.VideoId, StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<CaptionRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM captions WHERE video_id {database.InList("ids")} ORDER BY is_default DESC, created_at, id",
            new { ids = videoIds.ToArray() }, cancellationToken: cancellationToken))).ToLookup(c => c.VideoId, StringComparer.Ordinal);
    }

    public async Task<CaptionRecord?> GetAsync(string videoId, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CaptionRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM captions WHERE id = @id AND video_id = @videoId", new { id, videoId }, cancellationToken: cancellationToken));
    }

    /// <summary>Stores a new caption, or (same id) a caption's new file and details; false when its video is gone.</summary>
    public async Task<bool> SaveAsync(CaptionRecord caption, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM videos WHERE id = @VideoId", caption, transaction) == 0) return false;
        if (caption.IsDefault) await ClearDefaultAsync(connection, transaction, caption.VideoId);
        await connection.ExecuteAsync(
            $"""
            INSERT INTO captions ({Columns}) VALUES (@Id, @VideoId, @Language, @Label, @IsDefault, @Origin, @FileKey, @CueCount, @PublishedMedia, @CreatedAt)
            ON CONFLICT (id) DO UPDATE SET language = excluded.language, label = excluded.label, is_default = excluded.is_default,
                file_key = excluded.file_key, cue_count = excluded.cue_count, published_media = NULL
            """, caption, transaction);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// The source's captions of the files in <paramref name="media"/> take the place of those there were, unless the
    /// video has taken other files meanwhile (false). A default among them stays one only when no uploaded caption is.
    /// </summary>
    public async Task<bool> ReplaceSourceCaptionsAsync(MediaOf media, IReadOnlyList<CaptionRecord> captions, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await connection.ExecuteScalarAsync<long>(
            $"SELECT COUNT(*) FROM videos WHERE id = @VideoId AND COALESCE(media_id, id) = @Folder{database.ForUpdate}", media, transaction);
        if (current == 0) return false;
        await connection.ExecuteAsync("DELETE FROM captions WHERE video_id = @VideoId AND origin = 'source'", media, transaction);
        var hasDefault = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM captions WHERE video_id = @VideoId AND is_default = @yes", new { media.VideoId, yes = true }, transaction) > 0;
        foreach (var caption in captions)
        {
            caption.IsDefault &= !hasDefault;
            hasDefault |= caption.IsDefault;
            await connection.ExecuteAsync(
                $"INSERT INTO captions ({Columns}) VALUES (@Id, @VideoId, @Language, @Label, @IsDefault, @Origin, @FileKey, @CueCount, @PublishedMedia, @CreatedAt)",
                caption, transaction);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Changes a caption's language, label or default flag (null: as it was); false when it is gone.</summary>
    public async Task<bool> UpdateAsync(string videoId, string id, string? language, string? label, bool? isDefault, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (isDefault == true) await ClearDefaultAsync(connection, transaction, videoId);
        var changed = await connection.ExecuteAsync(
            """
            UPDATE captions SET language = COALESCE(@language, language), label = COALESCE(@label, label),
                is_default = COALESCE(@isDefault, is_default)
            WHERE id = @id AND video_id = @videoId
            """, new { id, videoId, language, label, isDefault }, transaction) > 0;
        if (changed) await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>Removes a caption; returns it (for its file to go), or null when there was none.</summary>
    public async Task<CaptionRecord?> DeleteAsync(string videoId, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CaptionRecord>(new CommandDefinition(
            $"DELETE FROM captions WHERE id = @id AND video_id = @videoId RETURNING {Columns}", new { id, videoId }, cancellationToken: cancellationToken));
    }

    /// <summary>Notes that the HLS copies of these captions are in <paramref name="media"/>'s folder.</summary>
    public async Task MarkPublishedAsync(IReadOnlyCollection<string> ids, string media, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE captions SET published_media = @media WHERE id {database.InList("ids")}", new { media, ids = ids.ToArray() }, cancellationToken: cancellationToken));
    }

    /// <summary>Sets or (null) clears the chapters the owner uploaded; false when the video is gone.</summary>
    public async Task<bool> SetChaptersAsync(string videoId, string? chaptersJson, CancellationToken cancellationToken) =>
        await database.ExecuteAsync("UPDATE videos SET chapters = @chaptersJson WHERE id = @videoId", new { videoId, chaptersJson }, cancellationToken) > 0;

    private static Task<int> ClearDefaultAsync(DbConnection connection, DbTransaction transaction, string videoId) =>
        connection.ExecuteAsync("UPDATE captions SET is_default = @no WHERE video_id = @videoId", new { videoId, no = false }, transaction);
}
