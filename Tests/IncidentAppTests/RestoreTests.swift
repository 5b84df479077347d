import Foundation
import IncidentTesting
import Testing

/// Putting a backup back: the documented steps work, and a step missed is refused in words.
@Suite struct RestoreTests {
    /// The bot killed after the backup, the copy put over its file, and the `-wal` the killed
    /// bot left not deleted: SQLite would read that `-wal` over the copy as the copy's own,
    /// undoing the restore (or making a malformed file), and the bot started on it and said
    /// it was ready. Every command that opens the file refuses it now and changes nothing;
    /// with the `-wal` and `-shm` moved away, the bot starts on the backup's state.
    @Test func aBackupPutBackBesideTheReplacedDatabasesWALIsRefused() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        let copy = folder.appendingPathComponent("copy.sqlite").path
        #expect(try await DatabaseOperationsTests.console(db, input: DatabaseOperationsTests.drill).status == 0)
        let backup = try await BotProcess.run(["backup", copy, "--config", BotProcess.config, "--db", db])
        #expect(backup.status == 0, "\(backup.stderr)")
        try await Self.declareAndKill(db, title: "Checkout latency", number: 2)
        let wal = db + "-wal"
        #expect(((try? FileManager.default.attributesOfItem(atPath: wal))?[.size] as? Int ?? 0) > 32, "the killed bot left no -wal")

        // The restore as done wrongly: the copy over the file, the -wal and -shm left.
        try Data(contentsOf: URL(fileURLWithPath: copy)).write(to: URL(fileURLWithPath: db))
        let files = [db, wal]
        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let opens: [[String]] = [
            ["console", "--clock", "manual", "--start", "2026-11-24T10:00:00Z"],
            ["report"],
            ["export", "INC-1"],
            ["backup", folder.appendingPathComponent("again.sqlite").path],
        ]
        for command in opens {
            let refused = try await BotProcess.run(command + ["--config", BotProcess.config, "--db", db], input: ":quit\n")
            #expect(refused.status != 0, "\(command[0]) opened the restored copy with another database's -wal")
            #expect(refused.stderr.contains("\(db) is a backup's copy (taken ")
                    && refused.stderr.contains("but the \(wal) beside it is another database's")
                    && refused.stderr.contains("nothing was changed. To finish the restore, move \(wal) and \(db)-shm away"),
                    "\(command[0]): \(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(command[0]): \(refused.stderr)")
        }
        #expect(try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before, "a refused open changed the files")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("again.sqlite").path))

        // The step done: the bot starts on the backup's state, INC-2 unknown to it.
        for companion in [wal, db + "-shm"] { try FileManager.default.removeItem(atPath: companion) }
        let restored = try await DatabaseOperationsTests.console(db, input: ":rooms\n:quit\n")
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("INC-1") && !restored.stdout.contains("INC-2"), "\(restored.stdout)")
        // Its own -wal, left by a kill, is read as the copy's: the next start goes ahead.
        try await Self.declareAndKill(db, title: "Search outage", number: 2)
        let again = try await BotProcess.run(["console", "--clock", "manual", "--start", "2026-11-24T12:00:00Z", "--config", BotProcess.config,
                                              "--db", db], input: ":rooms\n:quit\n")
        #expect(again.status == 0 && again.stdout.contains("INC-2"), "\(again.stderr)")
    }

    /// Starts the console on `db`, declares an incident, and kills the bot with SIGKILL once
    /// the declaration is answered (committed), leaving its `-wal` as a crash does.
    static func declareAndKill(_ db: String, title: String, number: Int) async throws {
        let process = Process()
        process.executableURL = BotProcess.binary
        process.arguments = ["console", "--clock", "manual", "--start", "2026-11-24T11:00:00Z", "--config", BotProcess.config, "--db", db]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = Pipe()
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        stdin.fileHandleForWriting.write(Data("carol: /incident declare \(title) --sev P2\n".utf8))
        let answered = try await TestTools.offPool {
            var seen = ""
            while !seen.contains("INC-\(number)") {
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            return seen
        }
        #expect(answered.contains("INC-\(number)"), "\(answered)")
        kill(process.processIdentifier, SIGKILL)
        try await TestTools.offPool { process.waitUntilExit() }
    }
}
