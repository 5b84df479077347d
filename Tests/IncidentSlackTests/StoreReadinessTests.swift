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
