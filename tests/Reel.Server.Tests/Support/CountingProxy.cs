using System.Net;
using System.Net.Sockets;

namespace Reel.Server.Tests.Support;

/// <summary>A loopback TCP proxy that counts the bytes the server sends, to prove a client did not fetch everything.</summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _bytesFromServer;

    public CountingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long BytesFromServer => Interlocked.Read(ref _bytesFromServer);

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(RelayAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        await Task.WhenAll(connections);
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var down = CopyCountingAsync(server.GetStream(), client.GetStream());
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A client that hangs up mid-transfer is what seeking players do.
            }
        }
    }

    private async Task CopyCountingAsync(Stream from, Stream to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            Interlocked.Add(ref _bytesFromServer, read);
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
