using System.Globalization;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Hosting;

/// <summary>
/// The default data directory (<c>.longhorn</c>) and the NFS store's mount live under the directory the host is started
/// in, which ASP.NET Core makes its content root. A configuration file watcher on the content root is recursive: on
/// Linux one inotify watch per directory, so every block directory a backup creates would be watched and rescanned,
/// and a large store would exhaust the user's inotify watch limit.
/// </summary>
public sealed class ContentRootWatchTests
{
    [Fact]
    public async Task Started_in_the_directory_holding_its_data_the_host_watches_none_of_the_data_directories()
    {
        var workingDirectory = Directory.CreateTempSubdirectory("lh-contentroot-").FullName;
        try
        {
            // The README's layout: no --data-dir, so the data lives in .longhorn under the working directory.
            var dataDirectories = Enumerable.Range(0, 8)
                .Select(i => Directory.CreateDirectory(Path.Combine(workingDirectory, ".longhorn", "backupstore-mounts", "blocks", i.ToString("x2", CultureInfo.InvariantCulture))))
                .ToList();
            var port = HostProcess.FreePort();
            using var host = HostProcess.Start(["--port", port.ToString(CultureInfo.InvariantCulture)], workingDirectory: workingDirectory);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await host.WaitUntilHealthyAsync(client);
            Assert.True(File.Exists(Path.Combine(workingDirectory, ".longhorn", "resources.db")), "the host keeps its data in .longhorn under its working directory: " + host.Output);

            var dataInodes = dataDirectories.Select(d => d.FullName).Prepend(Path.Combine(workingDirectory, ".longhorn"))
                .Select(path => (Path: path, Inode: Inode(path))).ToList();
            var watched = WatchedInodes(host.Process.Id);
            var watchedData = dataInodes.Where(d => watched.Contains(d.Inode)).Select(d => d.Path).ToList();
            Assert.True(watchedData.Count == 0, $"the host holds inotify watches on {watchedData.Count} data directories: {string.Join(", ", watchedData)}");
        }
        finally
        {
            FunctionHost.TryDelete(workingDirectory);
        }
    }

    /// <summary>The inode numbers every inotify instance of the process watches, from <c>/proc/PID/fdinfo</c> (<c>inotify wd:… ino:HEX …</c>).</summary>
    private static HashSet<ulong> WatchedInodes(int pid)
    {
        var inodes = new HashSet<ulong>();
        foreach (var info in Directory.EnumerateFiles($"/proc/{pid}/fdinfo"))
        {
            string[] lines;
            try { lines = File.ReadAllLines(info); }
            catch (IOException) { continue; } // the descriptor closed while we read
            foreach (var line in lines.Where(l => l.StartsWith("inotify ", StringComparison.Ordinal)))
            {
                var field = line.Split(' ').First(f => f.StartsWith("ino:", StringComparison.Ordinal));
                inodes.Add(ulong.Parse(field["ino:".Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }
        return inodes;
    }

    private static ulong Inode(string path)
    {
        var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return ulong.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }
}
