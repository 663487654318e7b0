using System.Net;
using Reel.Server.Features.Auth;

namespace Reel.Server.Tests.Unit;

public sealed class UploaderTests
{
    [Fact]
    public void An_account_is_the_uploader_even_with_an_upload_key_and_an_address() =>
        Assert.Equal("user:u1", Caller.UploaderOf("u1", "k1", IPAddress.Parse("192.0.2.1")));

    [Fact]
    public void Without_an_account_the_upload_key_is_the_uploader() =>
        Assert.Equal("key:k1", Caller.UploaderOf(null, "k1", IPAddress.Parse("192.0.2.1")));

    [Fact]
    public void Anonymous_uploaders_are_told_apart_by_their_address() =>
        Assert.Equal("ip:192.0.2.1", Caller.UploaderOf(null, null, IPAddress.Parse("192.0.2.1")));

    [Fact]
    public void An_IPv4_address_seen_as_IPv6_is_the_same_uploader() =>
        Assert.Equal("ip:192.0.2.1", Caller.UploaderOf(null, null, IPAddress.Parse("::ffff:192.0.2.1")));

    [Fact]
    public void Every_address_of_one_IPv6_64_network_is_one_uploader()
    {
        Assert.Equal("ip:2001:db8:1:2::/64", Caller.UploaderOf(null, null, IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        Assert.Equal("ip:2001:db8:1:2::/64", Caller.UploaderOf(null, null, IPAddress.Parse("2001:db8:1:2::1")));
    }

    [Fact]
    public void Without_an_account_a_key_or_an_address_there_is_no_uploader() =>
        Assert.Null(Caller.UploaderOf(null, null, null));
}
