import Foundation
import GRDB
import IncidentCore
import IncidentEngine
import IncidentStorage
import IncidentWire

/// The `IncidentStore` on one SQLite file through GRDB: WAL, full sync (a commit survives a
/// power cut, not only a crash), every write in one transaction.
public final class SQLiteStore: IncidentStore {
    public let writer: any DatabaseWriter
    let policies = PolicySnapshots()
    let jobs = DecodedJobs()
    let incidents = DecodedIncidents()
    /// This process's commits on the file, for `commitCount`.
    let commits: CommitCounter
    /// Whether this process may write the file: false for `readOnly`, whose file a running bot
    /// changes under it.
    let writes: Bool
    /// How a wait for another process's lock ends (`write(givingUpWhen:)`).
    let lockWait: WriteLockWait

    /// Counted as each write commits: on SQLite nothing else changes incidents while this
    /// process runs (`serve` and `console` hold the file, `DatabaseLock`; the other commands
    /// change no incident).
    public var commitCount: Int? { writes ? commits.value : nil }

    /// Opens (creating if needed) the database at `path` and brings it to the latest schema.
    /// Opens (or creates) the database at `path`, readable by its owner only: the file is
    /// made 0600 before SQLite opens it, and SQLite gives its WAL and shared-memory files the
    /// database file's mode.
    /// `migrate: false` (the read-only commands) opens the database only if it is at exactly
    /// this version's schema: a newer binary's `export` must not migrate the file an older bot
    /// is running on.
    public convenience init(path: String, migrate: Bool = true) throws {
        try SQLiteFileHeader.check(path)
        try WALOwnership.check(path)
        try PrivateFile.ensure(path)
        for companion in [path + "-wal", path + "-shm"] where PrivateFile.mode(companion) != nil {
            try PrivateFile.ensure(companion)
        }
        // A command that does not migrate looks first, read-only: opening the pool turns the
        // file to WAL, which made an empty file (or another program's database) one of ours
        // before it was refused as holding no bot data.
        if !migrate { try Self.requireBotData(path) }
        var configuration = Configuration()
        let lockWait = WriteLockWait()
        configuration.busyMode = .callback { tries in lockWait.triesAgain(after: tries) }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // After the pool is open: GRDB sets `synchronous = NORMAL` when it turns WAL on, after
        // `prepareDatabase` has run, so a setting made there is undone. The writer is the one
        // connection that commits, and FULL makes each commit sync the WAL before it returns.
        // The WAL is cut back to `walSizeLimit` when a checkpoint empties it: a burst (1,500
        // declarations while Slack was down) grew it to 96 MB beside a 13 MB database, and it
        // kept that size for as long as the bot ran.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimit)")
        }
        try self.init(writer: pool, migrate: migrate, lockWait: lockWait)
    }

    /// Opens the database at `path` for reading only, as it is: nothing is created, migrated,
    /// chmodded or written, so `report` and `export` read a backup on read-only storage or a
    /// file owned by someone else (an auditor's copy). It must be at this version's schema.
    public static func readOnly(path: String) throws -> SQLiteStore {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CannotRead(path: path)
        }
        try SQLiteFileHeader.check(path)
        try WALOwnership.check(path)
        return try SQLiteStore(writer: try DatabasePool(path: path, configuration: readingOnly), migrate: false)
    }

    /// A connection that only reads, waiting up to 10 s for a writer's lock: SQLite opens it
    /// read-only, so it never folds a `-wal` into the file as it closes.
    static var readingOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return configuration
    }

    /// A database file this process may not read.
    public struct CannotRead: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "cannot read \(path) (check its permissions)" }
    }

    /// Folds every commit in the WAL into the database file and empties the WAL
    /// (`wal_checkpoint(TRUNCATE)`): for a process that stops, so the file it leaves is whole
    /// on its own. A stop used to leave hundreds of KB of acknowledged commits in `-wal`, and
    /// the database file copied alone lacked them.
    public func foldWAL() async throws {
        try await writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// The size the WAL is cut back to once checkpointed: 16 MiB.
    public static let walSizeLimit = 16 << 20

    /// The writer's `journal_size_limit`, in bytes.
    public func walSizeLimitSetting() throws -> Int {
        try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA journal_size_limit") ?? -1 }
    }

    /// The writer's `synchronous` setting: 2 (FULL) on a file, where a commit survives a power
    /// cut.
    public func synchronousSetting() throws -> Int {
        try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// A private database in memory: for tests and benchmarks.
    public static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue())
    }

    /// Uses `writer`, migrating it to the latest schema first. A database a newer version has
    /// migrated further is refused, untouched: this version would misread what it does not know.
    public convenience init(writer: any DatabaseWriter, migrate: Bool = true) throws {
        try self.init(writer: writer, migrate: migrate, lockWait: WriteLockWait())
    }

    /// `lockWait`: the busy handler `writer`'s configuration calls, if it does.
    init(writer: any DatabaseWriter, migrate: Bool, lockWait: WriteLockWait) throws {
        self.writer = writer
        self.lockWait = lockWait
        self.commits = CommitCounter.forFile(writer.path)
        self.writes = !writer.configuration.readonly
        let applied = try writer.read { db in try Schema.migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(Schema.migrator.migrations)
        guard unknown.isEmpty else { throw NewerSchema(migrations: unknown.sorted()) }
        if migrate {
            try Schema.migrator.migrate(writer)
        } else if applied.isEmpty {
            throw NoBotData()
        } else if let missing = Schema.migrator.migrations.first(where: { !applied.contains($0) }) {
            throw OlderSchema(missing: missing)
        }
    }

    /// Throws `NoBotData` when no incident-bot migration was applied to the database at
    /// `path`, read without writing anything.
    static func requireBotData(_ path: String) throws {
        let applied = try DatabaseQueue(path: path, configuration: readingOnly).read { db in
            try Schema.migrator.appliedIdentifiers(db)
        }
        if applied.isEmpty { throw NoBotData() }
    }

    /// A database no incident-bot has written (an empty file, another program's database),
    /// opened by a command that does not migrate: told as such, not as an older version's.
    public struct NoBotData: Error, CustomStringConvertible {
        public var description: String {
            "the database holds no incident-bot data (an empty file, or another program's database); does --db name the bot's database?"
        }
    }

    /// A database this version would migrate, opened by a command that does not migrate.
    public struct OlderSchema: Error, CustomStringConvertible {
        public var missing: String
        public var description: String {
            "the database was made by an older incident-bot and lacks migration \(missing); start serve of this version to migrate it, or use the version that runs it"
        }
    }

    /// A database migrated by a newer version than this one.
    public struct NewerSchema: Error, CustomStringConvertible {
        public var migrations: [String]
        public var description: String {
            "the database was migrated by a newer incident-bot (\(migrations.joined(separator: ", "))); run that version or a later one"
        }
    }

    /// Copies the whole database at `source`, consistently, to a new file at `path` (mode
    /// 0600) while the bot may be running: SQLite's online backup, page by page, marked as a
    /// copy so that a bot restored from it doubts what it held to send (`BackupMark`), whatever
    /// version's schema the database has: the backup taken before an upgrade must not need
    /// the new binary to read the old file, nor one after a newer version's migration. A copy that
    /// fails half-way is removed, so no file is left that looks like a backup.
    ///
    /// `path` is made new, exclusively: a file there already, or a symbolic link, is refused, so
    /// two backups to one name cannot both report the one copy, and the one that fails removes
    /// only what it made. A name SQLite or the bot keeps beside the database (its `-wal`; the
    /// bot's `keptBeside`, by suffix: its lock, its link secret) is refused: SQLite would delete
    /// or overwrite the copy. So is a name with a journal or WAL of its own already beside it,
    /// which SQLite would take into the copy.
    public static func backup(databaseAt source: String, to path: String, keptBeside: [String: String] = [:], at now: Timestamp) throws {
        try SQLiteFileHeader.check(source)
        try WALOwnership.check(source)
        if SQLiteFileHeader.sameFile(source, path) {
            throw BackupError(description: "\(path) is the database itself; back up to a new name")
        }
        if let companion = companionName(of: source, matching: path, suffixes: sqliteCompanions.merging(keptBeside) { own, _ in own }) {
            throw BackupError(description: "\(path) is the database's own \(companion) file; back up to another name")
        }
        if let leftover = sqliteCompanions.keys.sorted().map({ path + $0 }).first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw BackupError(description: "\(leftover) exists already (left by another database of that name); back up to a new name")
        }
        // Opened without migrating or reading the schema; nothing is written to it.
        let original = try DatabaseQueue(path: source)
        defer { try? original.close() }
        guard try original.read({ try $0.tableExists("grdb_migrations") }) else {
            throw BackupError(description: "\(source) is not an incident-bot database (no migrations in it); pass --db with the bot's database file")
        }
        guard try PrivateFile.createEmpty(at: path) else {
            throw BackupError(description: "\(path) exists already; back up to a new file")
        }
        do {
            let copy = try DatabaseQueue(path: path)
            try original.backup(to: copy)
            try copy.write { try BackupMark.write(into: $0, takenAt: now.secondsSinceEpoch) }
            try copy.close()
        } catch {
            for made in [path, path + "-journal", path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: made) }
            throw BackupError(description: backupFailure(error))
        }
    }

    /// What SQLite keeps beside a database, by the suffix of its name.
    static let sqliteCompanions = ["-wal": "write-ahead log", "-shm": "shared-memory index", "-journal": "rollback journal"]

    /// Which of `database`'s companion files (`suffixes`) `path` names, if any: compared by
    /// where they are (their folders resolved), not by how they are spelled.
    static func companionName(of database: String, matching path: String, suffixes: [String: String]) -> String? {
        func resolved(_ file: String) -> String {
            let url = URL(fileURLWithPath: file)
            return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
        }
        let target = resolved(path)
        let base = URL(fileURLWithPath: database).resolvingSymlinksInPath().path
        return suffixes.first { target == base + $0.key || target == resolved(database) + $0.key }?.value
    }

    /// A failed copy in words: SQLite's "not an error" for a full disk says nothing.
    static func backupFailure(_ error: any Error) -> String {
        guard let error = error as? DatabaseError else { return "\(error)" }
        switch error.resultCode {
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "the database was busy the whole time; try again"
        default: return error.message ?? "\(error)"
        }
    }

    public struct BackupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// One transaction, committed whether or not the calling task is cancelled meanwhile, as on
    /// PostgreSQL: a shutdown cancels delivery while it records what it already sent, and a
    /// record rolled back then would send a text or a call again at the next start. (GRDB's
    /// async `write` rolls back a cancelled task's transaction; `asyncWriteWithoutTransaction`,
    /// which this begins its transaction in, does not.)
    public func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await transaction(givingUpWhen: nil, body)
    }

    public func write<T: Sendable>(givingUpWhen isLate: @escaping @Sendable () -> Bool,
                                   _ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await transaction(givingUpWhen: isLate, body)
    }

    /// One write transaction; a wait for another process's lock ends once `isLate` says so.
    private func transaction<T: Sendable>(givingUpWhen isLate: (@Sendable () -> Bool)?,
                                          _ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        let writer = writer
        let (result, _, policies) = try await WriteTiming.timed {
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<(T, OutboxJobChanges.Committed, Set<String>), any Error>) in
                // Queued behind a write that waits for another program's lock, this one is
                // given up once late, before it begins: it commits nothing either way.
                let ticket = isLate.map { lockWait.queue($0) { done.resume(throwing: TooLateToCommit()) } }
                writer.asyncWriteWithoutTransaction { [commits, jobs, lockWait] db in
                    if let ticket, !lockWait.begins(ticket) { return }
                    let outcome = Result {
                        try lockWait.during(isLate) {
                            var committed: (T, OutboxJobChanges.Committed, Set<String>)?
                            try db.inTransaction {
                                let changes = OutboxJobChanges()
                                let touched = TouchedIncidents(decoded: self.incidents)
                                let records = SQLiteRecords(db: db, policies: self.policies, touched: touched, changes: changes)
                                let result = try body(records)
                                try records.writeHeldSaves()
                                committed = (result, changes.committed, touched.policies)
                                return .commit
                            }
                            return committed!
                        }
                    }.mapError { error -> any Error in
                        // The lock waited for was let go of, not taken: nothing was written.
                        if let failed = error as? DatabaseError, failed.resultCode == .SQLITE_BUSY, isLate?() == true {
                            return TooLateToCommit()
                        }
                        return error
                    }
                    // Kept as the commit ends, before anyone hears of it: delivery, woken by an
                    // earlier commit, reads the new rows at once, and decoded each job again
                    // from its text when this waited for the caller's task to resume.
                    if case .success(let (_, changes, _)) = outcome {
                        commits.committed()
                        jobs.apply(changes)
                    }
                    done.resume(with: outcome)
                }
            }
        }
        self.policies.confirm(policies)
        return result
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await writer.read { db in
            try body(SQLiteRecords(db: db, policies: self.policies, touched: TouchedIncidents(decoded: self.incidents), jobs: self.jobs))
        }
    }
}
