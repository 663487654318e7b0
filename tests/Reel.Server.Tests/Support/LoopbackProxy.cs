using System.Net;
using System.Net.Sockets;

namespace Reel.Server.Tests.Support;

/// <summary>
/// A loopback TCP proxy in front of a server. It counts the bytes the server sends (to prove a client did not fetch
/// everything) and can cut the connection like a dropped network: <see cref="Cut"/> resets every open connection and
/// every new one until <see cref="Restore"/>, while the server behind it keeps running.
/// </summary>
internal sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Lock _gate = new();
    private CancellationTokenSource _connections = new();
    private bool _cut;
    private long _bytesFromServer;

    public LoopbackProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long BytesFromServer => Interlocked.Read(ref _bytesFromServer);

    /// <summary>Resets every open connection, and refuses new ones (reset at once) until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        CancellationTokenSource open;
        lock (_gate)
        {
            _cut = true;
            open = _connections;
            _connections = new CancellationTokenSource();
        }
        open.Cancel();
        open.Dispose();
    }

    /// <summary>Lets connections through again.</summary>
    public void Restore()
    {
        lock (_gate) _cut = false;
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                CancellationToken connection;
                lock (_gate)
                {
                    if (_cut)
                    {
                        Reset(client);
                        continue;
                    }
                    connection = _connections.Token;
                }
                connections.Add(RelayAsync(client, connection));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        await Task.WhenAll(connections);
    }

    private async Task RelayAsync(TcpClient client, CancellationToken connection)
    {
        using var relay = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, connection);
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, relay.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), relay.Token);
                var down = CopyCountingAsync(server.GetStream(), client.GetStream(), relay.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A client that hangs up mid-transfer is what seeking players do.
            }
            // A cut ends the client's side with a reset, as a dropped network does, not with a clean close.
            if (connection.IsCancellationRequested) Reset(client);
        }
    }

    private static void Reset(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already gone.
        }
        client.Dispose();
    }

    private async Task CopyCountingAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            Interlocked.Add(ref _bytesFromServer, read);
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
        _connections.Dispose();
    }
}
