namespace Reel.Server.Tests.Support;

/// <summary>
/// One server process for a whole test class (xunit's class fixture): each boot costs a JIT, migrations, keys and a
/// sign-in, so tests that make their own videos and accounts and change no setting share one. A class that needs
/// settings derives and overrides <see cref="Settings"/>.
/// </summary>
public class SharedServer : IAsyncLifetime
{
    internal ReelServer Server { get; private set; } = null!;

    /// <summary>Server settings for every test of the class.</summary>
    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    public async Task InitializeAsync() => Server = await ReelServer.StartAsync(settings: Settings);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
