using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Unit;

/// <summary>
/// The lifetime of a playback token, on a clock the test moves: the server-level test forges an expired token instead
/// of waiting hours (or the six seconds the shortest setting took on a slow machine).
/// </summary>
public sealed class StreamTokensTests
{
    [Fact]
    public void A_playback_token_opens_its_video_until_its_lifetime_ends_and_not_a_second_longer()
    {
        var clock = new TestClock();
        using var tokens = Tokens(clock, streamTokenMinutes: 360);
        var video = Own(Ids.NewVideoId());

        var token = tokens.Issue(video, generation: 3, out var expiresAt);

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(360), expiresAt);
        Assert.Equal(new StreamGrant(video.VideoId, 3, null, 0, AllowsDownload: true, video.Folder), tokens.Read(token));
        clock.Advance(TimeSpan.FromMinutes(360) - TimeSpan.FromSeconds(1));
        Assert.Equal(new StreamGrant(video.VideoId, 3, null, 0, AllowsDownload: true, video.Folder), tokens.Read(token));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(tokens.Read(token));
        // A token issued now lives its own full lifetime.
        var fresh = tokens.Issue(video, generation: 3, out var freshExpiry);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(360), freshExpiry);
        Assert.Equal(new StreamGrant(video.VideoId, 3, null, 0, AllowsDownload: true, video.Folder), tokens.Read(fresh));
    }

    [Fact]
    public void A_token_made_under_another_key_is_not_a_token()
    {
        var clock = new TestClock();
        using var ours = Tokens(clock, streamTokenMinutes: 360);
        using var theirs = Tokens(clock, streamTokenMinutes: 360);
        var video = Own(Ids.NewVideoId());

        Assert.NotNull(ours.Read(ours.Issue(video, 0, out _)));
        Assert.Null(ours.Read(theirs.Issue(video, 0, out _)));
    }

    [Fact]
    public void A_token_handed_out_through_a_share_carries_the_share_and_ends_with_it()
    {
        var clock = new TestClock();
        using var tokens = Tokens(clock, streamTokenMinutes: 360);
        var video = Own(Ids.NewVideoId());
        var share = Ids.New();
        var shareEnds = clock.GetUtcNow().AddMinutes(90);

        var token = tokens.Issue(video, 2, new ShareGrant(share, 7, shareEnds, AllowDownload: false), out var expiresAt);

        Assert.Equal(shareEnds, expiresAt);
        Assert.Equal(new StreamGrant(video.VideoId, 2, share, 7, AllowsDownload: false, video.Folder), tokens.Read(token));
        clock.Advance(TimeSpan.FromMinutes(90));
        Assert.Null(tokens.Read(token));
        // A share that ends later than the token's lifetime does not lengthen it.
        tokens.Issue(video, 2, new ShareGrant(share, 7, clock.GetUtcNow().AddDays(30), AllowDownload: true), out var capped);
        Assert.Equal(clock.GetUtcNow().AddMinutes(360), capped);
    }

    [Fact]
    public void A_garbled_token_of_either_length_is_not_a_token()
    {
        using var tokens = Tokens(new TestClock(), streamTokenMinutes: 360);
        var video = Own(Ids.NewVideoId());
        foreach (var token in new[] { tokens.Issue(video, 0, out _), tokens.Issue(video, 0, new ShareGrant(Ids.New(), 0, null, true), out _) })
        {
            var flipped = (token[10] == 'A' ? "B" : "A");
            Assert.Null(tokens.Read(token[..10] + flipped + token[11..]));
            Assert.Null(tokens.Read(token[..^1]));
        }
    }

    [Fact]
    public void A_token_opens_the_folder_of_the_files_it_was_handed_out_for_which_a_replaced_video_keeps_until_they_go()
    {
        using var tokens = Tokens(new TestClock(), streamTokenMinutes: 360);
        var replaced = new MediaOf(Ids.NewVideoId(), Ids.NewVideoId());
        var share = Ids.New();

        Assert.Equal(replaced.Folder, tokens.Read(tokens.Issue(replaced, 0, out _))!.Folder);
        Assert.Equal(replaced.Folder, tokens.Read(tokens.Issue(replaced, 0, new ShareGrant(share, 1, null, true), out _))!.Folder);
        Assert.NotEqual(replaced.VideoId, replaced.Folder);
    }

    private static MediaOf Own(string videoId) => new(videoId, videoId);

    /// <summary>Tokens under a fresh random key, configured as a cluster shares it (no key file).</summary>
    private static StreamTokens Tokens(TimeProvider clock, double streamTokenMinutes)
    {
        var options = new AuthOptions { StreamTokenMinutes = streamTokenMinutes, StreamKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        var node = NodeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataDir"] = Path.GetTempPath() }).Build());
        return new StreamTokens(Options.Create(options), node, clock);
    }
}
