using System.Net;
using System.Text.RegularExpressions;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;
using Longhorn.Simulator.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Longhorn.Functions.Tests.Web;

/// <summary>
/// The web page in headless Chromium against the real host on a free port: every action goes through the page, every
/// outcome is checked through the HTTP functions too. Playwright's expectations await each condition; their timeout
/// only bounds a hang. Each test saves screenshots of the pages it visits (README, "Web page").
/// </summary>
[RequiresTool("chromium")]
public sealed class WebPageTests(HeadlessChromium chromium) : IClassFixture<HeadlessChromium>
{
    private const int MiB = 1024 * 1024;

    static WebPageTests() => SetDefaultExpectTimeout(30_000);

    [ToolFact]
    public async Task A_backup_made_on_the_page_runs_to_100_percent_and_restores_from_the_page()
    {
        using var store = new TempDirectory();
        HeldProgressStore? resources = null;
        // vfs:// targets are confined to configured roots; the page's target lives in a temp directory of its own.
        using var host = new FunctionHost(settings: new Dictionary<string, string> { ["Longhorn:AllowedVfsRoots"] = store.Path }, services: services =>
        {
            services.RemoveAll<IResourceStore>();
            services.AddSingleton<IResourceStore>(sp => resources = new HeldProgressStore(new SqliteResourceStore(
                sp.GetRequiredService<IOptions<LonghornOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>())));
        });
        var page = await OpenAsync(host);
        var api = host.Api;

        // Set the target on its page.
        await page.GotoAsync("#/target");
        await page.GetByLabel("Backup target URL").FillAsync($"vfs://{store.Path}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator(".save-message")).ToHaveTextAsync(new Regex("^Saved"));
        await Expect(page.Locator("dd.url")).ToHaveTextAsync($"vfs://{store.Path}");
        await Expect(page.Locator("dd.availability")).ToHaveTextAsync("Available");
        await api.WaitForSyncAsync();
        await Expect(page.GetByText("(syncing…)")).ToHaveCountAsync(0);
        await HeadlessChromium.ScreenshotAsync(page, "backup-target");

        // A volume made through the API, backed up twice from the page.
        await api.CreateVolumeAsync(new { name = "vol1", size = 64L * MiB });
        var first = Api.Pattern(8 * MiB, seed: 1);
        await api.WriteAsync("vol1", 0, first);
        await page.GotoAsync("#/backup");
        await page.GetByLabel("Volume", new() { Exact = true }).SelectOptionAsync("vol1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create backup" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("#/backup/vol1$"));
        var rows = page.Locator("tr[data-backup]");
        await Expect(rows).ToHaveCountAsync(1);
        // The backup is held at its first progress write: the bar shows that progress while the backup runs, then the
        // backup completes without a reload.
        var bar = rows.First.GetByRole(AriaRole.Progressbar);
        await Expect(bar).ToHaveAttributeAsync("aria-valuenow", new Regex("^([1-9][0-9]?|100)$"));
        await Expect(rows.First.Locator(".state")).ToHaveTextAsync("InProgress");
        await HeadlessChromium.ScreenshotAsync(page, "backup-running");
        resources!.Release();
        await Expect(bar).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(rows.First.Locator(".state")).ToHaveTextAsync("Completed");

        // The host's clock is a manual one: a minute later, so the two backups have their own times on the page and the chart.
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = Api.Pattern(4 * MiB, seed: 2);
        await api.WriteAsync("vol1", 16 * MiB, second);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create backup of vol1" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator("tr[data-backup] [role=progressbar][aria-valuenow='100']")).ToHaveCountAsync(2);
        // The chart has a bar per backup; the second reuses the first's blocks.
        await Expect(page.Locator("figure.chart rect.uploaded")).ToHaveCountAsync(2);
        await Expect(page.Locator("figure.chart svg")).ToHaveAttributeAsync("aria-label", new Regex("^2 completed backups"));
        var newest = (await api.ListAsync("/api/backups?volume=vol1")).MaxBy(b => (string?)b["created"])!;
        Assert.Equal(12L * MiB, (long)newest["size"]!);
        Assert.True((long)newest["newlyUploadDataSize"]! < 12L * MiB, newest.ToJsonString());

        // Restore the newest backup from the page, by keyboard.
        var restore = rows.First.GetByRole(AriaRole.Button, new() { Name = $"Restore backup {(string)newest["name"]!}" });
        await restore.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(page.GetByLabel("New volume name")).ToBeFocusedAsync();
        await page.GetByLabel("New volume name").FillAsync("vol1-restored");
        await HeadlessChromium.ScreenshotAsync(page, "restore", fullPage: false);
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToBeHiddenAsync();
        var restored = page.Locator("tr[data-restore='vol1-restored']");
        await Expect(restored.GetByRole(AriaRole.Progressbar)).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(restored.Locator(".state")).ToHaveTextAsync("Completed");
        await HeadlessChromium.ScreenshotAsync(page, "backup-volume");

        var expected = new byte[64 * MiB];
        first.CopyTo(expected, 0);
        second.CopyTo(expected, 16 * MiB);
        Assert.Equal(expected, await api.ReadAsync("vol1-restored", 0, 64 * MiB));

        await page.GotoAsync("#/backup");
        await Expect(page.Locator("tr[data-volume='vol1'] .state")).ToHaveTextAsync("Ready");
        await HeadlessChromium.ScreenshotAsync(page, "backup");
        await page.GotoAsync("#/volumes/vol1");
        await Expect(page.Locator("tr[data-snapshot]")).ToHaveCountAsync(2);
        await HeadlessChromium.ScreenshotAsync(page, "snapshots");
        AssertNoScriptErrors(page);
    }

    [ToolFact]
    public async Task Recurring_jobs_and_system_backups_are_created_and_deleted_on_the_page()
    {
        using var host = new FunctionHost();
        var page = await OpenAsync(host);
        var api = host.Api;
        await api.CreateVolumeAsync(new { name = "vol1", size = 16L * MiB, labels = new Dictionary<string, string> { ["recurring-job.longhorn.io/nightly"] = "enabled" } });

        await page.GotoAsync("#/recurring");
        await page.GetByLabel("Name").FillAsync("nightly");
        await page.GetByLabel("Task").SelectOptionAsync("backup");
        var cron = page.GetByLabel("Cron");
        await cron.FillAsync("61 * * * *");
        await Expect(page.Locator("#job-cron-preview")).ToHaveTextAsync("Not a schedule: minute 61 is outside 0–59");
        // The host's own answer (problem+json) is shown beside the button in words.
        await page.GetByRole(AriaRole.Button, new() { Name = "Create job" }).ClickAsync();
        await Expect(page.Locator("#create-job-message")).ToHaveTextAsync(new Regex(@"^Creating the job failed: cron 61 \* \* \* \* is invalid.*\(HTTP 400\)$"));

        await cron.FillAsync("0 2 * * *");
        await Expect(page.Locator("#job-cron-preview")).ToContainTextAsync("Runs at 02:00 every day (UTC). Next: ");
        await page.GetByLabel("Retain").FillAsync("3");
        await page.GetByLabel("Concurrency").FillAsync("2");
        await page.GetByLabel("Groups").FillAsync("default, nightly-group");
        await page.GetByLabel("Parameters").FillAsync("full-backup-interval=5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create job" }).ClickAsync();
        var row = page.Locator("tr[data-job='nightly']");
        await Expect(row).ToContainTextAsync("vol1");
        var job = await api.GetAsync("/api/recurringjobs/nightly");
        Assert.Equal(("backup", "0 2 * * *", 3, 2), ((string?)job["task"], (string?)job["cron"], (int)job["retain"]!, (int)job["concurrency"]!));
        Assert.Equal(["default", "nightly-group"], job["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal("5", (string?)job["parameters"]!["full-backup-interval"]);
        await HeadlessChromium.ScreenshotAsync(page, "recurring-jobs");

        string? asked = null;
        page.Dialog += async (_, d) =>
        {
            asked = d.Message;
            await d.AcceptAsync();
        };
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete recurring job nightly" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.StartsWith("Delete recurring job nightly?", asked);
        await api.SendAsync(HttpMethod.Get, "/api/recurringjobs/nightly", expect: HttpStatusCode.NotFound);

        await page.GotoAsync("#/system");
        await page.GetByLabel("Name").First.FillAsync("demo");
        await page.GetByLabel("Volume backup policy").SelectOptionAsync("disabled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create system backup" }).ClickAsync();
        await Expect(page.Locator("tr[data-system-backup='demo'] .state")).ToHaveTextAsync("Ready");
        Assert.Equal("Ready", (string?)(await api.GetAsync("/api/systembackups/demo"))["state"]);
        await page.GetByLabel("Name").Nth(1).FillAsync("restore-demo");
        await page.GetByLabel("From system backup").SelectOptionAsync("demo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore", Exact = true }).ClickAsync();
        await Expect(page.Locator("tr[data-system-restore='restore-demo'] .state")).ToHaveTextAsync("Completed");
        Assert.Equal("demo", (string?)(await api.GetAsync("/api/systemrestores/restore-demo"))["systemBackup"]);
        await HeadlessChromium.ScreenshotAsync(page, "system-backup");
        AssertNoScriptErrors(page);
    }

    [ToolFact]
    public async Task An_unavailable_target_is_shown_with_the_stores_error()
    {
        using var s3Data = new TempDirectory();
        await using var emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = s3Data.Path });
        await emulator.StartAsync();
        using var host = new FunctionHost();
        var page = await OpenAsync(host);
        await host.Api.SendAsync(HttpMethod.Put, "/api/secrets/bad", new
        {
            data = new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = S3EmulatorOptions.DefaultAccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = "wrong",
                ["AWS_ENDPOINTS"] = emulator.Url.ToString(),
            },
        });

        await page.GotoAsync("#/target");
        await page.GetByLabel("Backup target URL").FillAsync($"s3://{S3EmulatorOptions.DefaultBucket}@us-east-1/");
        var secret = page.GetByLabel("Credential secret");
        await secret.FillAsync("missing");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator(".save-message")).ToHaveTextAsync(
            "Saving the target failed: credentialSecret missing not found; PUT /api/secrets/missing first (HTTP 404)");

        await secret.FillAsync("bad");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("dd.availability")).ToHaveTextAsync("Unavailable");
        await Expect(page.Locator(".unavailable")).ToContainTextAsync("The backup target is not available: ");
        await Expect(page.Locator(".unavailable")).ToContainTextAsync("SignatureDoesNotMatch");
        await HeadlessChromium.ScreenshotAsync(page, "backup-target-unavailable");
        AssertNoScriptErrors(page);
    }

    [ToolFact]
    public async Task Leaving_a_page_while_its_refresh_waits_for_the_host_leaves_the_next_page_alone()
    {
        using var host = new FunctionHost();
        var page = await OpenAsync(host);
        await host.Api.CreateVolumeAsync(new { name = "vol1", size = 64L * MiB });
        // The backup volume's page asks for the backup volumes; hold that answer until the user has moved on.
        var held = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await page.RouteAsync(new Regex("/api/backupvolumes"), async route =>
        {
            held.TrySetResult();
            await release.Task;
            await route.ContinueAsync();
        });
        await page.GotoAsync("#/backup/vol1");
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await page.GotoAsync("#/volumes/vol1");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Volume vol1" })).ToBeVisibleAsync();
        // The snapshots page's own refresh waits for the held one (one refresh at a time): its request for the volume's
        // snapshots comes only after the left page's refresh has run to its end.
        var next = page.WaitForRequestAsync(new Regex("/api/volumes/vol1/snapshots"));
        release.SetResult();
        await next;
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Volume vol1" })).ToBeVisibleAsync();
        await Expect(page.Locator("#summary")).ToHaveCountAsync(0);
        AssertNoScriptErrors(page);
    }

    private readonly List<string> _scriptErrors = [];

    private async Task<IPage> OpenAsync(FunctionHost host)
    {
        var page = await chromium.OpenAsync(host.StartOnFreePort());
        page.PageError += (_, error) => _scriptErrors.Add(error);
        // A failed call is logged by the browser as a failed resource load; the tests check its message on the page instead.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) _scriptErrors.Add(message.Text);
        };
        return page;
    }

    private void AssertNoScriptErrors(IPage page) => Assert.True(_scriptErrors.Count == 0, $"{page.Url}: {string.Join("\n", _scriptErrors)}");
}
