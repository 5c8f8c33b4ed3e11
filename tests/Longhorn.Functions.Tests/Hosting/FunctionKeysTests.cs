using System.Globalization;
using System.Net;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Hosting;

/// <summary>Keys as the Azure Functions host asks for them: none on loopback (like func start), required when bound beyond it.</summary>
public sealed class FunctionKeysTests
{
    [Fact]
    public async Task On_loopback_the_host_asks_no_key()
    {
        using var host = new FunctionHost();
        using var client = host.CreateClient();
        using var response = await client.GetAsync("/api/volumes");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Bound_beyond_loopback_function_level_routes_answer_401_without_a_key_and_200_with_it()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-keys-").FullName;
        var port = HostProcess.FreePort();
        try
        {
            using var host = HostProcess.Start(["--host", "0.0.0.0", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDir]);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await host.WaitUntilHealthyAsync(client);

            // No key was configured: the host generated one, readable only by its owner, and said where it is.
            var keyFile = Path.Combine(dataDir, "function.key");
            Assert.True(File.Exists(keyFile), host.Output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            var key = (await File.ReadAllTextAsync(keyFile)).Trim();
            await Api.EventuallyAsync(() => Task.FromResult(host.Output.Contains(keyFile, StringComparison.Ordinal)), "the banner to name the key file");

            foreach (var function in FunctionsMetadataTests.Declared().Where(f => f.Trigger == "httpTrigger"))
            {
                var path = "/api/" + System.Text.RegularExpressions.Regex.Replace(function.Route!, "{([a-z]+)}", "$1-x");
                using var request = new HttpRequestMessage(new HttpMethod(function.Methods[0]), path);
                using var response = await client.SendAsync(request);
                if (function.AuthLevel == "Anonymous") Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
                else Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{function.Name} {path}: {response.StatusCode}");
            }

            using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/volumes"))
            {
                request.Headers.Add("x-functions-key", key);
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            using (var response = await client.GetAsync($"/api/volumes?code={Uri.EscapeDataString(key)}"))
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/volumes"))
            {
                request.Headers.Add("x-functions-key", key + "x");
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }

    [Fact]
    public async Task Keys_set_in_settings_are_the_ones_accepted()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-keys-").FullName;
        var port = HostProcess.FreePort();
        try
        {
            using var host = HostProcess.Start(["--host", "0.0.0.0", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDir],
                new Dictionary<string, string> { ["FunctionKeys__default"] = "function-key-1", ["FunctionKeys__Master"] = "master-key-1" });
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await host.WaitUntilHealthyAsync(client);
            Assert.False(File.Exists(Path.Combine(dataDir, "function.key")));
            foreach (var (key, expected) in new[] { ("function-key-1", HttpStatusCode.OK), ("master-key-1", HttpStatusCode.OK), ("other", HttpStatusCode.Unauthorized) })
            {
                using var response = await client.GetAsync($"/api/volumes?code={key}");
                Assert.Equal(expected, response.StatusCode);
            }
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }
}
