using System.Net;
using System.Net.Sockets;

namespace Reel.Media.Tests.Support;

/// <summary>
/// Serves the files of one folder over HTTP on 127.0.0.1, as players fetch HLS: GET of whole files, media playlists
/// passed through <see cref="HlsPlaylists.ForPlayers"/> as Reel serves them.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _root;
    private readonly Task _loop;

    public LoopbackHttpServer(string root)
    {
        _root = System.IO.Path.GetFullPath(root);
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            await AnswerAsync(context);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var response = context.Response;
        try
        {
            var relative = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath.TrimStart('/'));
            var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(_root, relative));
            if (!path.StartsWith(_root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
            {
                response.StatusCode = 404;
                return;
            }
            var bytes = await File.ReadAllBytesAsync(path);
            if (path.EndsWith("index.m3u8", StringComparison.Ordinal))
                bytes = System.Text.Encoding.UTF8.GetBytes(HlsPlaylists.ForPlayers(System.Text.Encoding.UTF8.GetString(bytes)));
            response.ContentType = System.IO.Path.GetExtension(path) == ".m3u8" ? "application/vnd.apple.mpegurl" : "application/octet-stream";
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
        }
        catch (HttpListenerException)
        {
            // The player closed the connection: nothing left to answer.
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: after Stop, Linux's managed HttpListener binds the port again to drop its prefix on Close, and
        // fails with "Address already in use" once another test has taken that port.
        _listener.Close();
        await _loop;
    }
}
