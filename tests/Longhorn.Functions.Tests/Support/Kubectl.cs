using System.Diagnostics;
using Longhorn.Functions.Kubernetes;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests.Support;

/// <summary>The real kubectl (1.32 on PATH) pointed at an in-process host's Kubernetes API through the kubeconfig it wrote.</summary>
public sealed class Kubectl(string kubeconfig)
{
    public static Kubectl For(FunctionHost host)
    {
        host.CreateClient().Dispose();
        return new Kubectl(host.Services.GetRequiredService<KubernetesApiHost>().KubeconfigPath);
    }

    public string Kubeconfig => kubeconfig;

    public static string ManifestPath(string name) => Path.Combine(AppContext.BaseDirectory, "Kubernetes", "Manifests", name);

    public async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<(int Exit, string Out, string Err)> RunWithInputAsync(string? input, params string[] args)
    {
        var start = new ProcessStartInfo(ExternalTool.Require("kubectl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["HOME"] = Path.GetDirectoryName(kubeconfig)!;
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl and requires exit 0; returns stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var (exit, output, error) = await RunAsync(args);
        Assert.True(exit == 0, $"kubectl {string.Join(' ', args)} exited {exit}: {error}{output}");
        return output;
    }

    /// <summary>Runs kubectl and requires it to fail; returns stderr.</summary>
    public async Task<string> FailsAsync(params string[] args)
    {
        var (exit, output, error) = await RunAsync(args);
        Assert.True(exit != 0, $"kubectl {string.Join(' ', args)} succeeded: {output}");
        return error;
    }

    /// <summary>Starts a long-running kubectl (get -w) whose output lines are collected until it is killed.</summary>
    public Process Start(List<string> lines, params string[] args)
    {
        var start = new ProcessStartInfo(ExternalTool.Require("kubectl")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["HOME"] = Path.GetDirectoryName(kubeconfig)!;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
