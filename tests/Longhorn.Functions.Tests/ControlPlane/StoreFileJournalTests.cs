using Longhorn.Functions.ControlPlane.Targets;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>The host's journal of its own lock and temp files: what a run recorded and never saw gone is the next run's leftovers.</summary>
public sealed class StoreFileJournalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string JournalPath => _dir.Combine("data", "store-files.journal");

    [Fact]
    public void Files_recorded_and_never_gone_are_the_next_runs_leftovers()
    {
        var lockFile = new StoreFileEntry("default", "vfs:///t", "backupstore/volumes/01/9c/vol1/locks/lock-0123456789abcdef.lck");
        var renamed = new StoreFileEntry("default", "vfs:///t", "backupstore/volumes/01/9c/vol1/volume.cfg.tmp.1");
        var temp = new StoreFileEntry("s3", "s3://bucket@us-east-1/", "backupstore/volumes/01/9c/vol1/blocks/ab/cd/abcd.blk.tmp.2");
        using (var first = new StoreFileJournal(JournalPath))
        {
            Assert.Empty(first.Leftovers);
            var view = first.For("default");
            view.Writing(lockFile.Url, lockFile.Path);
            view.Writing(renamed.Url, renamed.Path);
            view.Gone(renamed.Url, renamed.Path);
            first.For("s3").Writing(temp.Url, temp.Path);
            // Not disposed: a killed host closes nothing, and every line is already in the file.
            using var second = new StoreFileJournal(JournalPath);
            Assert.Equal(new[] { lockFile, temp }.OrderBy(e => e.Path), second.Leftovers.OrderBy(e => e.Path));
        }
    }

    [Fact]
    public void Leftovers_stay_recorded_until_forgotten_and_a_cut_short_last_line_is_ignored()
    {
        var kept = new StoreFileEntry("default", "vfs:///t", "backupstore/volumes/01/9c/vol1/locks/lock-0123456789abcdef.lck");
        var removed = new StoreFileEntry("default", "vfs:///t", "backupstore/volumes/01/9c/vol1/locks/lock-fedcba9876543210.lck");
        using (var first = new StoreFileJournal(JournalPath))
        {
            first.Record(kept);
            first.Record(removed);
        }
        File.AppendAllText(JournalPath, "{\"Op\":\"+\",\"Target\":\"default\",\"Url\":\"vfs:///t\",\"Pa");

        using (var second = new StoreFileJournal(JournalPath))
        {
            Assert.Equal(2, second.Leftovers.Count);
            second.Forget(removed);
        }
        using var third = new StoreFileJournal(JournalPath);
        Assert.Equal([kept], third.Leftovers);
    }

    [Fact]
    public void The_journal_is_the_owners_alone_and_stays_small_however_many_files_come_and_go()
    {
        var still = new StoreFileEntry("default", "vfs:///t", "backupstore/volumes/01/9c/vol1/locks/lock-0123456789abcdef.lck");
        using (var journal = new StoreFileJournal(JournalPath))
        {
            journal.Record(still);
            for (var i = 0; i < 20_000; i++)
            {
                var entry = new StoreFileEntry("default", "vfs:///t", $"backupstore/volumes/01/9c/vol1/blocks/ab/cd/{i:x64}.blk.tmp.{i}");
                journal.Record(entry);
                journal.Forget(entry);
            }
            Assert.True(new FileInfo(JournalPath).Length < 2 << 20, $"the journal is {new FileInfo(JournalPath).Length} bytes");
            Assert.Equal([still], journal.Open);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(JournalPath));
        using var next = new StoreFileJournal(JournalPath);
        Assert.Equal([still], next.Leftovers);
    }
}
