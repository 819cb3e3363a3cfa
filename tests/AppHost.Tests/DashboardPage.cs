using Microsoft.Playwright;

namespace AppHost.Tests;

/// <summary>The Aspire dashboard's resources page in Debian's Chromium, driven by Playwright.</summary>
internal static class DashboardPage
{
    /// <summary>Debian's package (eng/install-prereqs.sh): Playwright must not download a browser of its own.</summary>
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>
    /// Opens <paramref name="dashboard"/>, waits until the resources grid shows a row for every instance in
    /// <paramref name="instances"/> (name → the names an instance may be shown by) in state Running, saves a
    /// screenshot to <paramref name="screenshotPath"/> and returns the rows' text.
    /// </summary>
    public static async Task<IReadOnlyList<string>> AssertEveryResourceRunningAsync(
        Uri dashboard, IReadOnlyList<(string Name, string Instance)> instances, string screenshotPath, TimeSpan timeout)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run eng/install-prereqs.sh (Debian package chromium).");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
        await page.GotoAsync(dashboard.ToString());

        // The grid is rendered by Blazor over a websocket after the page has loaded: wait for its rows
        // to carry every resource in its final state, not for the load event.
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<string> rows = [];
        List<string> missing;
        while (true)
        {
            rows = await page.Locator("[role=row]").AllInnerTextsAsync();
            missing = [.. instances.Where(i => !rows.Any(row => Shows(row, i) && row.Contains("Running", StringComparison.Ordinal))).Select(i => i.Instance)];
            if (missing.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(250);
        }

        await page.ScreenshotAsync(new() { Path = screenshotPath, FullPage = true });
        Assert.True(missing.Count == 0,
            $"Not shown as Running on {page.Url}: {string.Join(", ", missing)}. Rows:\n{string.Join("\n", rows.Select(r => r.ReplaceLineEndings(" | ")))}");
        return rows;
    }

    /// <summary>The row's first cell is the resource: by its name, or by its instance name where replicas share a name.</summary>
    private static bool Shows(string row, (string Name, string Instance) instance)
    {
        var firstCell = row.Split(['\t', '\n'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return firstCell == instance.Name || firstCell == instance.Instance;
    }
}
