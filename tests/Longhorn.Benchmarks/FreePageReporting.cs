using System.Globalization;

namespace Longhorn.Benchmarks;

/// <summary>
/// The VM's free page reporting (virtio-balloon, <c>/sys/module/page_reporting/parameters</c>), reported with the
/// results: memory freed inside the VM is handed back to the hypervisor a moment later, and the next write that needs it
/// pays a fault in the hypervisor for each page. A timed run that waits (the lock's 2 s settle) or follows a large free
/// (a dropped page cache, a deleted store) may write its store into memory the VM no longer has: on this machine the same
/// engine backup of the 1 GiB random image with the 2 s settle took 2.02 s in each of six runs while reporting was held
/// off and 2.11–2.38 s while 430–670 MiB were reported during it, and the kernel profile of the slow runs is a third in
/// <c>copy_folio_from_iter_atomic</c> (the page-cache copy of the store writes), against 4 % in the fast ones. The
/// benchmark does not change the VM's settings; it notes how much was reported while it ran.
/// </summary>
public sealed class FreePageReporting
{
    private const string Parameters = "/sys/module/page_reporting/parameters";
    private readonly long _reportedAtStart = ReportedKib();

    /// <summary>What the VM reported while the run went, for the results' notes; null when it has no free page reporting.</summary>
    public string? Note => !Directory.Exists(Parameters) ? null
        : $"this VM hands freed memory back to its hypervisor (free page reporting, page_reporting_order {Read("page_reporting_order")}): " +
          $"{(ReportedKib() - _reportedAtStart) / 1024} MiB reported during the run; a write into such memory costs a fault in the hypervisor per " +
          "page, so timings after a wait or a large free vary with it (FreePageReporting)";

    private static long ReportedKib() => long.TryParse(Read("reported_kib"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib) ? kib : 0;

    private static string Read(string parameter)
    {
        try
        {
            return File.ReadAllText(Path.Combine(Parameters, parameter)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
