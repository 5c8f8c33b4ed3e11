using Microsoft.Playwright;

namespace Longhorn.Functions.Tests.Web;

/// <summary>
/// Debian's <c>chromium</c> (found on PATH) driven headless by Playwright, one per test class; Playwright's own browser
/// download is never used. Without chromium nothing starts here and the tests, marked <c>[RequiresTool("chromium")]</c>,
/// are skipped locally or fail under CI=true.
/// </summary>
public sealed class HeadlessChromium : IAsyncLifetime
{
    /// <summary>Where page screenshots go: <c>LONGHORN_SCREENSHOT_DIR</c> (docs/screenshots to refresh the README's), else beside the tests.</summary>
    public static readonly string ScreenshotDirectory =
        Environment.GetEnvironmentVariable("LONGHORN_SCREENSHOT_DIR") is { Length: > 0 } directory
            ? directory
            : Path.Combine(AppContext.BaseDirectory, "screenshots");

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (ExternalTool.Find("chromium") is not { } chromium) return;
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true });
    }

    /// <summary>A fresh page (its own context) on the host's address, sized like a laptop screen.</summary>
    public async Task<IPage> OpenAsync(Uri host)
    {
        var browser = _browser ?? throw new InvalidOperationException(ExternalTool.MissingMessage("chromium"));
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <param name="fullPage">False for a modal dialog, whose backdrop covers only the window.</param>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = fullPage });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
