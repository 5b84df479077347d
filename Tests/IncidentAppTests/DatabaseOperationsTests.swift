import Foundation
import GRDB
import IncidentApp
import IncidentPostgres
import IncidentSQLite
import IncidentTesting
import IncidentWire
import Testing

/// What an operator does with the database file: back it up while the bot runs, be refused
/// a second bot on it, and be refused a database a newer version migrated.
@Suite struct DatabaseOperationsTests {
    static let drill = "carol: /incident declare Payment API errors --sev P1\n:advance 5m\n:quit\n"

    static func console(_ db: String, input: String) async throws -> BotProcess.Result {
        try await BotProcess.run(["console", "--clock", "manual", "--start", "2026-11-24T10:00:00Z", "--config", BotProcess.config, "--db", db],
                           input: input)
    }

    @Test func aBackupHoldsWhatTheDatabaseHolds() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        let copy = folder.appendingPathComponent("copy.sqlite").path
        #expect(try await Self.console(db, input: Self.drill).status == 0)
        let backup = try await BotProcess.run(["backup", copy, "--config", BotProcess.config, "--db", db])
        #expect(backup.status == 0 && backup.stdout == "backed up \(db) to \(copy)\n", "\(backup.stderr)")
        #expect(PrivateFile.mode(copy) == 0o600)
        let original = try await BotProcess.run(["export", "INC-1", "--config", BotProcess.config, "--db", db])
        let restored = try await BotProcess.run(["export", "INC-1", "--config", BotProcess.config, "--db", copy])
        // "Open for" is counted to the moment each export runs; everything else must match.
        func held(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.hasPrefix("| Open for") } }
        #expect(restored.status == 0 && held(restored.stdout) == held(original.stdout))
        let again = try await BotProcess.run(["backup", copy, "--config", BotProcess.config, "--db", db])
        #expect(again.status == 1 && again.stderr.contains("exists already"))
    }

    /// What a backup must not write to: a name another backup is writing (two runs at once),
    /// a symbolic link, one of the database's own files (SQLite deletes its `-wal` as the
    /// backup closes, and the copy with it), and a file that is not the bot's database.
    @Test func aBackupWritesOnlyAFileItMadeItself() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        #expect(try await Self.console(db, input: Self.drill).status == 0)
        for round in 0..<4 {
            let target = folder.appendingPathComponent("race\(round).sqlite").path
            let both = (0..<2).map { _ in
                let process = Process()
                process.executableURL = BotProcess.binary
                process.arguments = ["backup", target, "--config", BotProcess.config, "--db", db]
                process.standardOutput = Pipe()
                process.standardError = Pipe()
                return process
            }
            for process in both { try process.run() }
            try await TestTools.offPool { for process in both { process.waitUntilExit() } }
            let succeeded = both.filter { $0.terminationStatus == 0 }.count
            // One made the file; the other was refused it, or ran after and found it there.
            #expect(succeeded == 1, "round \(round): \(succeeded) backups said they succeeded")
            #expect(FileManager.default.fileExists(atPath: target), "round \(round): the backup reported is gone")
        }
        let link = folder.appendingPathComponent("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: folder.appendingPathComponent("elsewhere").path)
        let throughLink = try await BotProcess.run(["backup", link, "--config", BotProcess.config, "--db", db])
        #expect(throughLink.status == 1 && throughLink.stderr.contains("exists already"), "\(throughLink.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("elsewhere").path))
        for (suffix, name) in [("-wal", "write-ahead log"), (".lock", "lock"), (".link-secret", "acknowledge-link secret")] {
            let own = try await BotProcess.run(["backup", db + suffix, "--config", BotProcess.config, "--db", db])
            #expect(own.status == 1 && own.stderr.contains("is the database's own \(name) file"), "\(own.stderr)")
        }
        let itself = try await BotProcess.run(["backup", db, "--config", BotProcess.config, "--db", db])
        #expect(itself.status == 1 && itself.stderr.contains("\(db) is the database itself; back up to a new name"), "\(itself.stderr)")
        let empty = folder.appendingPathComponent("empty.sqlite").path
        FileManager.default.createFile(atPath: empty, contents: nil)
        let notOurs = try await BotProcess.run(["backup", folder.appendingPathComponent("x.sqlite").path, "--config", BotProcess.config,
                                          "--db", empty])
        #expect(notOurs.status == 1 && notOurs.stderr.contains("is not an incident-bot database"), "\(notOurs.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.sqlite").path))
    }

    /// A second bot on the same file is refused while the first runs, and allowed after.
    @Test func aSecondBotOnTheSameDatabaseIsRefused() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        let first = Process()
        first.executableURL = BotProcess.binary
        first.arguments = ["console", "--config", BotProcess.config, "--db", db]
        let stdin = Pipe()
        first.standardInput = stdin
        first.standardOutput = Pipe()
        first.standardError = Pipe()
        try first.run()
        defer { if first.isRunning { first.terminate() } }
        // The first takes its lock before it reads anything: wait until the lock file names it.
        let lock = db + ".lock"
        let deadline = TestTools.patientDeadline
        while (try? String(contentsOfFile: lock, encoding: .utf8))?.contains("\(first.processIdentifier)") != true, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let second = try await Self.console(db, input: ":quit\n")
        #expect(second.status == 1)
        #expect(second.stderr == "incident-bot: another incident-bot (pid \(first.processIdentifier)) is using \(db); one process per SQLite database, or both would deliver its outbox\n")
        // The same file by another name, through a symbolic link, is the same database.
        while !FileManager.default.fileExists(atPath: db), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let alias = folder.appendingPathComponent("alias.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: alias, withDestinationPath: db)
        let third = try await Self.console(alias, input: ":quit\n")
        #expect(third.status == 1 && third.stderr.contains("another incident-bot (pid \(first.processIdentifier)) is using \(alias)"),
                "\(third.stderr)")
        #if os(Linux)
        // A hard link is the same file under a name no path shows, and a deleted lock file
        // looks like a stale pid file: the lock on the database itself refuses both.
        let hardLink = folder.appendingPathComponent("hard.sqlite").path
        try FileManager.default.linkItem(atPath: db, toPath: hardLink)
        let fourth = try await Self.console(hardLink, input: ":quit\n")
        // Named by the kernel's table of locks: the `.lock` beside the link is not the first's.
        #expect(fourth.status == 1 && fourth.stderr.contains("another incident-bot (pid \(first.processIdentifier)) is using \(hardLink)"),
                "\(fourth.stderr)")
        try FileManager.default.removeItem(atPath: lock)
        let fifth = try await Self.console(db, input: ":quit\n")
        #expect(fifth.status == 1 && fifth.stderr.contains("is using \(db); one process per SQLite database"), "\(fifth.stderr)")
        #endif
        try stdin.fileHandleForWriting.close()
        try await TestTools.offPool { first.waitUntilExit() }
        #expect(try await Self.console(db, input: ":quit\n").status == 0)
    }

    /// A resolved incident's export says how long it was open, not the time since it was
    /// declared on the clock the export runs by (days, for a drill on a manual clock).
    /// A database the bot cannot open says why: a missing folder, a read-only file system and
    /// a folder given as the database all read "cannot open … to lock it" and nothing more.
    @Test func aDatabaseThatCannotBeOpenedSaysWhy() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let missing = try await Self.console(folder.appendingPathComponent("no-such-folder/bot.sqlite").path, input: ":quit\n")
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("to lock it: No such file or directory"), "\(missing.stderr)")
    }

    @Test func anExportOfAResolvedIncidentSaysHowLongItWasOpen() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        let drill = "carol: /incident declare Payment API errors --sev P1\n:advance 1h\n"
            + "[#incident-20261124-payment-api-errors] carol: /incident resolve rolled back\n:quit\n"
        #expect(try await Self.console(db, input: drill).status == 0)
        let export = try await BotProcess.run(["export", "INC-1", "--config", BotProcess.config, "--db", db])
        #expect(export.stdout.contains("| Resolved after | 1h |") && !export.stdout.contains("Open for"), "\(export.stdout)")
    }

    /// An incident made private before its room was made: its room is `…-private`, and the
    /// export names that room, not the name its title asked for (a room that never existed).
    @Test func anExportNamesTheRoomAsItWasMade() async throws {
        let db = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let bot = try TestBot(path: db)
        try await bot.say("U0CAROL03", "/incident declare Leaked tokens in public repo --sev P1")
        try await bot.say("U0CAROL03", "/incident private INC-1")
        try await bot.settle()
        #expect(try await bot.store.read { try $0.roomID(.slack, incident: 1) } == "slack-room-incident-20261124-private")
        let export = try await BotProcess.run(["export", "INC-1", "--config", BotProcess.config, "--db", db])
        #expect(export.stdout.contains("| Room | #incident-20261124-private (slack) |"), "\(export.stdout)")
        #expect(!export.stdout.contains("#incident-20261124-leaked-tokens"), "\(export.stdout)")
    }

    /// A live console (the real clock) fed by a pipe delivers what its last line queued before
    /// it quits: it left the declaration's messages and page pending for the next session.
    @Test func aLiveConsoleDeliversItsLastLinesBeforeItQuits() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        let result = try await BotProcess.run(["console", "--config", BotProcess.config, "--db", db],
                                        input: "alice: /incident declare Live quit --sev P1\n:quit\n")
        #expect(result.status == 0, "\(result.stderr)")
        let queue = try DatabaseQueue(path: db)
        let pending = try await queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM outbox WHERE state = 'pending'") }
        try queue.close()
        #expect(pending == 0, "\(result.stdout)")
        #expect(result.stdout.contains("dm @alice"), "\(result.stdout)")
    }

    @Test func aDatabaseANewerVersionMigratedIsRefusedUntouched() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        #expect(try await Self.console(db, input: Self.drill).status == 0)
        let queue = try DatabaseQueue(path: db)
        try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from a later version')") }
        try queue.close()
        #expect(throws: SQLiteStore.NewerSchema.self) { _ = try SQLiteStore(path: db) }
        let export = try await BotProcess.run(["export", "INC-1", "--config", BotProcess.config, "--db", db])
        #expect(export.status == 1)
        #expect(export.stderr.contains("the database was migrated by a newer incident-bot (v99: from a later version); run that version or a later one"))
        // A start refused for it leaves no `.lock` of its own beside it.
        try FileManager.default.removeItem(atPath: db + ".lock")
        let console = try await Self.console(db, input: ":quit\n")
        #expect(console.status == 1 && console.stderr.contains("migrated by a newer incident-bot"), "\(console.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db + ".lock"))
    }

    /// `--db` naming the config file by mistake: refused before anything opens it, so the file
    /// keeps its mode (0644, for the service's own user to read) and no `.lock` is left beside it.
    @Test func aFileThatIsNoDatabaseIsRefusedAsItIs() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml").path
        try Data("log_level: info\n".utf8).write(to: URL(fileURLWithPath: config))
        #expect(chmod(config, 0o644) == 0)
        try await Self.expectRefusedAsItIs(config, mode: 0o644, saying: "is not a SQLite database, and is left as it is; does --db name another file")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "log_level: info\n")
    }

    /// Every command that opens `--db` (to serve from, to copy, to mend, to read) refuses
    /// `path`, saying why, before anything opens it: its mode kept, no `.lock` beside it.
    static func expectRefusedAsItIs(_ path: String, mode: UInt32, saying reason: String) async throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        for command in [["console", "--clock", "manual", "--start", "2026-11-24T10:00:00Z"], ["backup", folder.appendingPathComponent("b").path],
                        ["outbox", "drop", "INC-1/1@slack"], ["outbox", "list"], ["report"], ["export", "INC-1"]] {
            let result = try await BotProcess.run(command + ["--config", BotProcess.config, "--db", path], input: ":quit\n")
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.contains("\(path) \(reason)"), "\(command): \(result.stderr)")
            #expect(PrivateFile.mode(path) == mode, "\(command)")
            #expect(!FileManager.default.fileExists(atPath: path + ".lock"), "\(command)")
        }
    }

    /// Anything but a regular file is refused as it is: a FIFO hung `export`, `report` and
    /// `outbox` for good, and as root a device had a database written over its first pages
    /// (`/dev/null` was made 0600).
    @Test func aDeviceOrAPipeIsRefusedAsItIs() async throws {
        let fifo = try TestConfig.temporaryDirectory().appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o640) == 0)
        try await Self.expectRefusedAsItIs(fifo, mode: 0o640, saying: "is not a regular file (a device, a pipe or a socket), and is left as it is")
        // A device is told apart without opening it.
        #expect { try SQLiteFileHeader.check("/dev/null") } throws: { ($0 as? SQLiteFileHeader.NotADatabase)?.kind == .notAFile }
    }

    /// Three doors an audit found saying the wrong thing, or too much: an empty file was "made
    /// by an older incident-bot", a directory "SQLite error 10: disk I/O error", and `--since
    /// -5d` a three-line usage error. Each is one line that says what is wrong.
    @Test func theReportsDoorsSayWhatIsWrongInOneLine() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let empty = folder.appendingPathComponent("empty.sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        // A value that is no value of its option exits 64, as a command line that does not parse.
        let cases: [(arguments: [String], says: String, status: Int32)] = [
            (["report", "--db", empty], "holds no incident-bot data (an empty file, or another program's database)", 1),
            (["report", "--db", folder.path], "is a directory; --db names the database file in it", 1),
            (["report", "--since", "-5d", "--db", empty], "--since is how far back to look from now: write 5d, not “-5d”", 64),
            // The commands that mend the outbox open it to write: refused before they do.
            (["outbox", "retry", "INC-1/1@slack", "--db", empty], "holds no incident-bot data", 1),
            (["outbox", "drop", "INC-1/1@slack", "--db", empty], "holds no incident-bot data", 1),
        ]
        for (arguments, says, status) in cases {
            let result = try await BotProcess.run(arguments + ["--config", BotProcess.config])
            #expect(result.status == status, "\(arguments)")
            #expect(result.stderr.contains(says), "\(arguments): \(result.stderr)")
            #expect(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty, "the empty file was written")
    }

    /// The commands that read or mend (export, report, outbox) never migrate: a newer binary's
    /// `export` must not move the database from under the older bot running on it. The bot
    /// itself (console, serve) migrates.
    @Test func onlyTheBotMigratesAnOlderDatabase() async throws {
        let db = try TestConfig.temporaryDirectory().appendingPathComponent("old.sqlite").path
        try FileManager.default.copyItem(atPath: TestConfig.repository.appendingPathComponent("Tests/Fixtures/databases/incident-bot-0.13.0.sqlite").path,
                                         toPath: db)
        func applied(_ file: String? = nil) async throws -> Int {
            let queue = try DatabaseQueue(path: file ?? db)
            defer { try? queue.close() }
            return try await queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM grdb_migrations") ?? 0 }
        }
        let before = try await applied()
        for command in [["export", "INC-1"], ["report"], ["outbox"]] {
            let result = try await BotProcess.run(command + ["--config", BotProcess.config, "--db", db])
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.contains("was made by an older incident-bot and lacks migration v4"), "\(result.stderr)")
        }
        #expect(try await applied() == before, "a read-only command migrated the database")
        // The backup before an upgrade copies the old database as it is.
        let copy = db + ".backup"
        let backup = try await BotProcess.run(["backup", copy, "--config", BotProcess.config, "--db", db])
        #expect(backup.status == 0, "\(backup.stderr)")
        let copied = try await applied(copy), kept = try await applied()
        #expect(copied == before && kept == before)
        // After the fixture's own drill (a start before its incidents is refused: time would go back).
        let upgraded = try await BotProcess.run(["console", "--clock", "manual", "--start", "2026-11-24T11:00:00Z", "--config", BotProcess.config,
                                           "--db", db], input: ":quit\n")
        #expect(upgraded.status == 0, "\(upgraded.stderr)")
        #expect(try await applied() > before)
        #expect(try await BotProcess.run(["export", "INC-1", "--config", BotProcess.config, "--db", db]).status == 0)
    }

    /// An incident row, and another's timeline, that this version cannot read (a newer
    /// version's): the report names both as left out instead of failing on the timeline or
    /// giving smaller figures without a word.
    @Test func theReportNamesWhatItCannotRead() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        let drill = "carol: /incident declare Payment API errors --sev P1\ncarol: /incident declare Search is slow --sev P2\n"
            + "carol: /incident declare Login fails --sev P1\n:quit\n"
        #expect(try await Self.console(db, input: drill).status == 0)
        let queue = try DatabaseQueue(path: db)
        try await queue.write { db in
            try db.execute(sql: "UPDATE incident SET format = 99 WHERE number = 1")
            try db.execute(sql: "UPDATE timeline SET kind = 'from-a-later-version' WHERE incident = 2")
        }
        try queue.close()
        let report = try await BotProcess.run(["report", "--since", "3650d", "--config", BotProcess.config, "--db", db])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains(": 1\n"), "\(report.stdout)")
        #expect(report.stdout.contains("Left out, as this version of incident-bot cannot read them (a newer version's, or damaged): 2 (INC-1, INC-2)."),
                "\(report.stdout)")
        // A span past a century printed its start before year 1 ("from -17139-08-03").
        let far = try await BotProcess.run(["report", "--since", "999999w", "--config", BotProcess.config, "--db", db])
        #expect(far.status == 64 && far.stderr.contains("--since is at most 100 years (36525d), not “999999w”"), "\(far.stderr)")
        let farther = try await BotProcess.run(["report", "--since", "10000000d", "--config", BotProcess.config, "--db", db])
        #expect(farther.stderr == "incident-bot: --since is at most 100 years (36525d), not “10000000d”\n", "\(farther.stderr)")
        // A slip in the units is one, not a span too long.
        let slip = try await BotProcess.run(["report", "--since", "30m1h", "--config", BotProcess.config, "--db", db])
        #expect(slip.stderr == "incident-bot: --since “30m1h” writes a unit twice or a smaller one before a larger; write each once, the larger first, as 1d12h\n",
                "\(slip.stderr)")
        let typo = try await BotProcess.run(["report", "--since", "30dd", "--config", BotProcess.config, "--db", db])
        #expect(typo.stderr == "incident-bot: --since “30dd” is not a duration like 30d, 1w or 12h\n", "\(typo.stderr)")
        // Two months, as people write it, was read as two minutes.
        let months = try await BotProcess.run(["report", "--since", "2M", "--config", BotProcess.config, "--db", db])
        #expect(months.stderr == "incident-bot: --since “2M” is not a duration like 30d, 1w or 12h (M may mean months or minutes: write m for minutes, d for days)\n",
                "\(months.stderr)")
        let none = try await BotProcess.run(["report", "--since", "0d", "--config", BotProcess.config, "--db", db])
        #expect(none.stderr == "incident-bot: --since 0d spans nothing; give a duration like 30d, 1w or 12h\n", "\(none.stderr)")
        // An incident this version cannot read is named in one line by export too.
        let export = try await BotProcess.run(["export", "INC-1", "--config", BotProcess.config, "--db", db])
        #expect(export.status == 1 && export.stderr
            == "incident-bot: INC-1 cannot be read by this version of incident-bot (a newer version wrote it, or it is damaged)\n",
            "\(export.stderr)")
    }

    /// The commands that only read change nothing in the file: not a byte, not its mode (an
    /// auditor's copy, a backup on read-only storage, a file someone else owns).
    @Test func theReadingCommandsLeaveTheFileAsItIs() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("bot.sqlite").path
        #expect(try await Self.console(db, input: "carol: /incident declare Payment API errors --sev P1\n:quit\n").status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o440], ofItemAtPath: db)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        for command in [["export", "INC-1"], ["report"], ["outbox"], ["outbox", "--failed"]] {
            let result = try await BotProcess.run(command + ["--config", BotProcess.config, "--db", db])
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        let mode = try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as? Int
        #expect(mode == 0o440)
    }

    @Test func theVersionIsPrinted() async throws {
        let result = try await BotProcess.run(["--version"])
        #expect(result.status == 0 && result.stdout == BotVersion.withSchemas + "\n")
        // The newest migration of each store, as a refusal names it (`v4: ...`).
        #expect(result.stdout.hasPrefix(BotVersion.current + " (database schema: SQLite v"), "\(result.stdout)")
        let postgres = try #require(PostgresStore.versions.last?.split(separator: ":").first)
        #expect(result.stdout.hasSuffix(", PostgreSQL \(postgres))\n"), "\(result.stdout)")
    }
}

/// `log_format: json`: every log line is one JSON object with its metadata as fields.
@Suite struct JSONLogTests {
    @Test func logLinesAreJSONObjectsWithTheirMetadataAsFields() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try "policy: \(TestConfig.directory.path)/policy.yaml\nlog_format: json\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try await BotProcess.run(["console", "--log-level", "notice", "--config", config.path,
                                         "--db", folder.appendingPathComponent("bot.sqlite").path], input: ":quit\n")
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["level"] != nil && object["message"] != nil && object["time"] != nil && object["label"] as? String == "incident-bot")
        }
        let notice = try #require(lines.first { $0.contains("example roster") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(notice.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "notice")
        #expect((object["roster"] as? String)?.hasSuffix("roster.example.yaml") == true)
    }
}
