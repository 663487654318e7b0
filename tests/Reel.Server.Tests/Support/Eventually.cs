namespace Reel.Server.Tests.Support;

internal static class Eventually
{
    /// <summary>Polls until <paramref name="probe"/> finds something, and returns it; fails after 30 s.</summary>
    public static async Task<T> FoundAsync<T>(Func<Task<T?>> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, "The condition was not met within 30 s.");
            await Task.Delay(100);
        }
    }
}
