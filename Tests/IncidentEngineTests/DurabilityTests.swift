import IncidentSQLite
import IncidentTesting
import Testing

/// A command is answered after its commit, so the commit must reach the disk: the writer runs
/// with `synchronous = FULL` (each commit syncs the WAL), not the NORMAL that GRDB's WAL setup
/// chooses and that survives a crash but not a power cut.
@Suite struct DurabilityTests {
    @Test func theWriterSyncsEveryCommit() throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        #expect(try SQLiteStore(path: path).synchronousSetting() == 2)
        // And again when the file exists (a restart).
        #expect(try SQLiteStore(path: path).synchronousSetting() == 2)
    }

    /// A burst's WAL is cut back once checkpointed: it stayed at 96 MB beside a 13 MB database.
    @Test func theWALIsCutBackAfterABurst() throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        #expect(try SQLiteStore(path: path).walSizeLimitSetting() == SQLiteStore.walSizeLimit)
    }
}
