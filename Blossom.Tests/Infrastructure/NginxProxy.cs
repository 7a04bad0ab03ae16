using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// A real nginx in front of a test server, configured as docs/reverse-proxy.md tells operators for
/// <c>Storage:AccelRedirectPrefix</c>: everything proxied to the server, and an <c>internal</c>
/// location that serves the store's files when the server answers with <c>X-Accel-Redirect</c>.
/// Its config, pid, logs and temp files live in a folder of its own; it runs in the foreground
/// (<c>daemon off</c>) and is stopped on dispose.
/// </summary>
internal sealed class NginxProxy : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private NginxProxy(Process process, string folder, Uri address) => (_process, _folder, BaseAddress) = (process, folder, address);

    public Uri BaseAddress { get; }

    public static async Task<NginxProxy> StartAsync(Uri upstream, string prefix, string storagePath)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var folder = Directory.CreateTempSubdirectory("blossom-nginx-").FullName;
        var port = FreePort.OnLoopback();
        // As root, nginx's workers would run as nobody, who cannot read the test's private temp folders.
        var user = Environment.IsPrivilegedProcess ? "user root;" : "";
        var config = $$"""
            {{user}}
            daemon off;
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 64; }
            http {
              access_log off;
              sendfile on;
              client_body_temp_path {{folder}}/body;
              proxy_temp_path {{folder}}/proxy;
              fastcgi_temp_path {{folder}}/fastcgi;
              uwsgi_temp_path {{folder}}/uwsgi;
              scgi_temp_path {{folder}}/scgi;
              server {
                listen 127.0.0.1:{{port}};
                location {{prefix}}/ {
                  internal;
                  alias {{storagePath}}/;
                  etag off;
                  add_header ETag $upstream_http_etag always;
                  add_header Link $upstream_http_link always;
                  add_header X-Content-Type-Options $upstream_http_x_content_type_options always;
                  add_header Content-Security-Policy $upstream_http_content_security_policy always;
                  add_header Access-Control-Allow-Origin $upstream_http_access_control_allow_origin always;
                  add_header Access-Control-Expose-Headers $upstream_http_access_control_expose_headers always;
                }
                location / {
                  proxy_pass {{upstream.GetLeftPart(UriPartial.Authority)}};
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_set_header Host $host;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                  client_max_body_size 0;
                  proxy_request_buffering off;
                }
              }
            }
            """;
        var configPath = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        // Its messages go to the error log (-e covers those before the config is read), read on failure.
        var start = new ProcessStartInfo("nginx");
        foreach (var argument in new[] { "-e", Path.Combine(folder, "error.log"), "-p", folder, "-c", configPath })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var proxy = new NginxProxy(process, folder, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await Poll.UntilAsync(() => process.HasExited || Listens(port), "nginx to listen");
            process.HasExited.Should().BeFalse($"nginx should run; its error log says: {proxy.ErrorLog()}");
            return proxy;
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    public string ErrorLog()
    {
        var path = Path.Combine(_folder, "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static bool Listens(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

}
