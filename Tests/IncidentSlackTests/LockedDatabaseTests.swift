import Foundation
import GRDB
import IncidentEngine
import IncidentTesting
import SlackFake
import Synchronization
import Testing

/// Another program holding the SQLite file's write lock (a `sqlite3` shell's open transaction,
/// a `VACUUM`) while a real `incident-bot serve` takes a slash command: the command is answered
/// "⚠️ Not saved" while the lock is still held (Slack gives up after 3 s; the bot's own wait for
/// the lock runs for 10), nothing of it is written, and `/metrics` counts it as not saved.
@Suite struct LockedDatabaseTests {
    @Test func aSlashCommandIsToldNotSavedWhileAnotherProgramHoldsTheLock() async throws {
        let fake = FakeSlack(users: Array(SlackHarness.users.values))
        try await fake.start()
        defer { Task { await fake.stop() } }
        let broadcast = fake.addChannel("incidents")
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try SlackHarness.config(broadcast: broadcast).write(to: config, atomically: true, encoding: .utf8)
        let database = folder.appendingPathComponent("bot.sqlite").path
        let (process, stderr) = try SlackServeProcessTests.serve(on: fake, config: config, db: database)
        defer { if process.isRunning { process.terminate() } }
        let ports = await SlackServeProcessTests.ports(from: stderr.fileHandleForReading, of: ["HTTP listener", "admin listener"])
        let http = try #require(ports["HTTP listener"])
        let admin = try #require(ports["admin listener"])
        #expect(try await SlackServeProcessTests.slash(port: http, "declare Checkout errors --sev P2", user: "U0ALICE01").status == 200)

        // Another program's transaction (Python's sqlite3, as a shell's would be), holding the
        // write lock until this test lets go.
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        other.arguments = ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            print("held", flush=True)
            sys.stdin.readline()
            db.execute("COMMIT")
            """, database]
        let input = Pipe()
        let output = Pipe()
        other.standardInput = input
        other.standardOutput = output
        try other.run()
        defer { if other.isRunning { other.terminate() } }
        #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("held"))
        let answered = Mutex(false)
        let release = Task {
            // Let go once answered, or after 30 s at the latest (a loaded machine).
            for _ in 0..<300 where !answered.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(100)) }
            let whileHeld = answered.withLock { $0 }
            input.fileHandleForWriting.write(Data("\n".utf8))
            try? await TestTools.waitForExit(other)
            return whileHeld
        }
        let reply = try await SlackServeProcessTests.slash(port: http, "note INC-1 written while the file is locked", user: "U0ALICE01")
        answered.withLock { $0 = true }
        let whileHeld = await release.value
        #expect(reply.status == 200 && reply.body.contains("Not saved"), "\(reply.body)")
        #expect(whileHeld, "answered only once the other program let go of the lock")

        let notes = try await DatabaseQueue(path: database).read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM timeline WHERE text LIKE '%while the file is locked%'")
        }
        #expect(notes == 0)
        let metrics = try await AdminListenerTests.get(admin, "/metrics").body
        #expect(metrics.contains(#"incident_bot_commands_total{outcome="not_saved"} 1"#), "\(metrics)")
        // Given up on as its answer fell due, not after SQLite's own 10 s wait ran out ("database
        // is locked"), which answered past Slack's 3 s.
        process.terminate()
        try await TestTools.waitForExit(process)
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let notSaved = log.split(separator: "\n").filter { $0.contains("slash command not saved") }
        #expect(notSaved.count == 1 && notSaved.allSatisfy { $0.contains(TooLateToCommit().description) }, "\(notSaved)")
    }
}
