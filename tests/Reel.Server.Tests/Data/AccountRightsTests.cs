using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Data;

/// <summary>The roles a node authorises with, against SQLite and PostgreSQL, both in every run.</summary>
public abstract class AccountRightsTests(StoreDatabase database)
{
    [Fact]
    public async Task A_change_the_node_did_not_hear_of_counts_once_the_cache_lifetime_has_passed_and_one_it_heard_of_at_once()
    {
        await using var store = await TestStore.CreateAsync(database);
        var accounts = new AccountStore(store.Database, store.Clock);
        var rights = new AccountRights(accounts, Options.Create(new AuthOptions { AccountCacheSeconds = 5 }), store.Clock);
        var user = await UserAsync(accounts, store.Clock, "admin");
        Assert.Equal(["admin"], await rights.CurrentRolesAsync(user.Id, CancellationToken.None));

        // Changed behind this node's back (another process, a lost notification): the cache bounds how long it is missed.
        await accounts.SetRolesAsync(user.Id, "viewer", CancellationToken.None);
        Assert.Equal(["admin"], await rights.CurrentRolesAsync(user.Id, CancellationToken.None));
        store.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["viewer"], await rights.CurrentRolesAsync(user.Id, CancellationToken.None));

        // Heard of (this node made the change, or a NOTIFY came): at once.
        await accounts.SetRolesAsync(user.Id, "uploader", CancellationToken.None);
        rights.Forget(user.Id);
        Assert.Equal(["uploader"], await rights.CurrentRolesAsync(user.Id, CancellationToken.None));
        await accounts.DeleteUserAsync(user.Id, CancellationToken.None);
        rights.Forget(user.Id);
        Assert.Null(await rights.CurrentRolesAsync(user.Id, CancellationToken.None));
    }

    [Fact]
    public async Task An_upload_key_stops_working_when_the_admin_who_made_it_is_demoted_or_deleted()
    {
        await using var store = await TestStore.CreateAsync(database);
        var accounts = new AccountStore(store.Database, store.Clock);
        var maker = await UserAsync(accounts, store.Clock, "admin");
        await accounts.InsertApiKeyAsync("key-of-maker", "ci", "hash-of-maker-key", maker.Id, CancellationToken.None);
        await accounts.InsertApiKeyAsync("key-of-nobody", "legacy", "hash-of-legacy-key", null, CancellationToken.None);

        Assert.Equal("key-of-maker", await accounts.FindApiKeyIdAsync("hash-of-maker-key", CancellationToken.None));
        Assert.True((await accounts.ListApiKeysAsync(CancellationToken.None)).Single(k => k.Id == "key-of-maker").Active);

        await accounts.SetRolesAsync(maker.Id, "uploader", CancellationToken.None);
        Assert.Null(await accounts.FindApiKeyIdAsync("hash-of-maker-key", CancellationToken.None));
        await accounts.SetRolesAsync(maker.Id, "admin,uploader", CancellationToken.None);
        Assert.Equal("key-of-maker", await accounts.FindApiKeyIdAsync("hash-of-maker-key", CancellationToken.None));

        await accounts.DeleteUserAsync(maker.Id, CancellationToken.None);
        Assert.Null(await accounts.FindApiKeyIdAsync("hash-of-maker-key", CancellationToken.None));
        var listed = await accounts.ListApiKeysAsync(CancellationToken.None);
        Assert.False(listed.Single(k => k.Id == "key-of-maker").Active);
        // A key with no maker on record (made before keys had one) is not affected.
        Assert.True(listed.Single(k => k.Id == "key-of-nobody").Active);
        Assert.Equal("key-of-nobody", await accounts.FindApiKeyIdAsync("hash-of-legacy-key", CancellationToken.None));
    }

    private static async Task<UserRecord> UserAsync(AccountStore accounts, TimeProvider clock, string roles)
    {
        var user = new UserRecord
        {
            Id = Ids.New(),
            Email = $"{Guid.NewGuid():N}@reel.test",
            DisplayName = "someone",
            PasswordHash = "not used here",
            Roles = roles,
            CreatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        Assert.True(await accounts.InsertUserAsync(user, roles, CancellationToken.None));
        return user;
    }
}

public sealed class AccountRightsOnSqliteTests() : AccountRightsTests(StoreDatabase.Sqlite);

public sealed class AccountRightsOnPostgresTests() : AccountRightsTests(StoreDatabase.Postgres);
