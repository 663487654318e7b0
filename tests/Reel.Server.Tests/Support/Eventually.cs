namespace Reel.Server.Tests.Support;

internal static class Eventually
{
    /// <summary>Polls until <paramref name="probe"/> finds something, and returns it; fails after <paramref name="within"/> (30 s).</summary>
    public static async Task<T> FoundAsync<T>(Func<Task<T?>> probe, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (await probe() is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, $"The condition was not met within {limit.TotalSeconds:0.#} s.");
            await Task.Delay(100);
        }
    }
}
