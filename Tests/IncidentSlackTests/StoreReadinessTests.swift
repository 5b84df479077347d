import Foundation
import GRDB
@testable import IncidentApp
import IncidentSQLite
import IncidentTesting
import Testing

/// A database that cannot be written (a full disk, a read-only file; here SQLite's
/// `query_only`, which refuses every write as they do): `/readyz`'s store check fails, as
/// every command would (a transaction that writes nothing commits all the same), and a slash
/// command is told it was not saved, instead of a bare 500 that Slack shows as its own error
/// (Slack never sends a slash command again).
@Suite struct StoreReadinessTests {
    static func refuseWrites(_ store: SQLiteStore, _ refused: Bool) throws {
        try store.writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = \(refused ? "ON" : "OFF")") }
    }

    @Test func aStoreThatCannotWriteIsNotReady() async throws {
        let store = try SQLiteStore(path: try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path)
        let check = AdminListener.storeCheck(store, now: { TestConfig.start })
        #expect(await check.run() == nil)
        let noted = try await store.writer.read { try Int64.fetchOne($0, sql: "SELECT value FROM counter WHERE name = 'readiness_check'") }
        #expect(noted == TestConfig.start.secondsSinceEpoch)
        try Self.refuseWrites(store, true)
        let failure = await check.run()
        #expect(failure?.hasPrefix("cannot write: ") == true, "\(failure ?? "ready")")
    }

    #if os(Linux)
    /// A backup moved over the database's path, or the file deleted, while the bot runs: its
    /// writes still commit, to a file no path names, so the store check asks the path too.
    @Test func aDatabaseFileReplacedUnderTheBotIsNotReady() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let path = folder.appendingPathComponent("bot.sqlite").path
        let store = try SQLiteStore(path: path)
        try DatabaseLock.acquire(path)
        let check = AdminListener.storeCheck(store, now: { TestConfig.start }, file: { DatabaseLock.replaced(path) })
        #expect(await check.run() == nil)

        let backup = folder.appendingPathComponent("backup.sqlite").path
        _ = try SQLiteStore(path: backup)
        #expect(rename(backup, path) == 0)
        let replaced = await check.run()
        #expect(replaced == "\(path) was replaced under the running bot (another file is at its path): what is written now is lost "
                + "when the bot stops; stop it, put the database back, and start it again", "\(replaced ?? "ready")")

        #expect(unlink(path) == 0)
        let deleted = await check.run()
        #expect(deleted?.hasPrefix("\(path) was deleted or moved under the running bot (No such file or directory): ") == true,
                "\(deleted ?? "ready")")

        // Named through a symbolic link that is then pointed at another file.
        let real = folder.appendingPathComponent("real.sqlite").path
        let link = folder.appendingPathComponent("link.sqlite").path
        _ = try SQLiteStore(path: real)
        #expect(symlink(real, link) == 0)
        try DatabaseLock.acquire(link)
        #expect(DatabaseLock.replaced(link) == nil)
        let restored = folder.appendingPathComponent("restored.sqlite").path
        _ = try SQLiteStore(path: restored)
        #expect(unlink(link) == 0 && symlink(restored, link) == 0)
        #expect(DatabaseLock.replaced(link)?.hasPrefix("\(link) was replaced under the running bot") == true)
    }
    #endif

    @Test func aSlashCommandTheStoreCannotTakeIsToldSo() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let store = try #require(bot.runtime.store as? SQLiteStore)
        try Self.refuseWrites(store, true)
        let refused = try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        #expect(refused.status == 200 && refused.json?["response_type"]?.string == "ephemeral")
        #expect(refused.text.contains("Not saved") && refused.text.contains("Type the command again"), "\(refused.body)")
        try Self.refuseWrites(store, false)
        let typedAgain = try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        #expect(typedAgain.text.contains("Declared INC-1"), "\(typedAgain.body)")
    }
}
