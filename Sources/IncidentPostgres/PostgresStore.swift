import IncidentEngine
import IncidentStorage
import Logging
import PostgresNIO

/// The `IncidentStore` on PostgreSQL, for one or many `incident-bot serve` processes on one
/// database. Every write transaction takes one advisory lock first, so writes from all
/// replicas follow one another as on SQLite's single writer: an event is read, decided and
/// written with nothing between, at READ COMMITTED, asked for whatever the server's default
/// (each statement sees every commit made before the lock was granted). Reads run on a connection of their own in a repeatable-read
/// snapshot. Writes made as the leader (`LeaderTerm.current`) are fenced by the lease's
/// token. Commits are durable (`synchronous_commit` as the server has it, on by default).
public final class PostgresStore: IncidentStore {
    public let settings: PostgresSettings
    let writer: PostgresSession
    let reader: PostgresSession
    let policies = PolicySnapshots()
    let jobs = DecodedJobs()
    let incidents = DecodedIncidents()

    /// Connects and brings the database to the latest schema; refuses a database migrated by
    /// a newer version. Blocks while it does: call it at start, off the concurrency threads
    /// if it matters.
    /// `migrate: false` (the read-only commands) opens the database only if it is at exactly
    /// this version's schema: a newer binary's `export` must not migrate the database older
    /// replicas are running on.
    public init(settings: PostgresSettings, migrate: Bool = true, logger: Logger) throws {
        self.settings = settings
        writer = PostgresSession(settings: settings, name: "writer", logger: logger)
        reader = PostgresSession(settings: settings, name: "reader", logger: logger)
        try writer.runBlocking {
            try PostgresSchema.migrate($0, apply: migrate, waiting: {
                logger.notice("waiting for the database's write lock to migrate: another session holds it (a replica migrating, a long transaction)")
            }, waitingForTables: {
                logger.notice("waiting for another session to let go of a table to migrate (a long read such as pg_dump), trying again every few seconds; the running replicas keep writing meanwhile")
            }, migrated: { name in
                logger.notice("migrated the database", metadata: ["migration": "\(name)"])
            })
        }
    }

    /// The migration names this version knows, oldest first.
    public static var versions: [String] { PostgresSchema.migrations.map(\.name) }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await transaction(givingUpWhen: nil, body)
    }

    /// `write`, given up once `isLate` says so wherever it waits before its COMMIT: behind
    /// another transaction on the session, connecting, or for the write lock (`LateWrite`).
    public func write<T: Sendable>(givingUpWhen isLate: @escaping @Sendable () -> Bool,
                                   _ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await transaction(givingUpWhen: isLate, body)
    }

    private func transaction<T: Sendable>(givingUpWhen isLate: (@Sendable () -> Bool)?,
                                          _ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        // Read here: the transaction runs on the session's thread, where no task-local is set.
        let term = LeaderTerm.current
        let work: @Sendable (PostgresStatements) throws -> (T, Set<String>) = { sql in
            let (result, changes, policies) = try sql.transaction("BEGIN ISOLATION LEVEL READ COMMITTED") { sql in
                sql.send("SELECT pg_advisory_xact_lock(\(PostgresSchema.writeLock))")
                // The leader's own writes (scheduler, delivery) commit only while its term is
                // the lease's: a deposed leader that wakes late writes nothing.
                if let term {
                    guard try PostgresLease.isCurrent(term.token, sql), term.holds else { throw Deposed(token: term.token) }
                }
                let touched = TouchedIncidents(decoded: self.incidents)
                let changes = OutboxJobChanges()
                let records = PostgresRecords(sql: sql, policies: self.policies, touched: touched, jobs: nil, changes: changes)
                let result = try body(records)
                try records.writeHeldSaves()
                // Again just before COMMIT: a leader paused inside the transaction past its
                // lease (its successor may have read the outbox since) commits nothing.
                if let term, !term.holds { throw Deposed(token: term.token) }
                return (result, changes.committed, touched.policies)
            }
            // Kept as the commit ends, before the caller's task resumes (SQLiteStore.write).
            self.jobs.apply(changes)
            return (result, policies)
        }
        let writer = writer
        let (result, policies) = try await WriteTiming.timed {
            if let isLate { try await writer.run(givingUpWhen: isLate, work) } else { try await writer.run(work) }
        }
        self.policies.confirm(policies)
        return result
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await reader.run { sql in
            try sql.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { sql in
                try body(PostgresRecords(sql: sql, policies: self.policies, touched: TouchedIncidents(decoded: self.incidents), jobs: self.jobs))
            }
        }
    }

    /// Closes both connections.
    public func close() {
        writer.close()
        reader.close()
    }
}
