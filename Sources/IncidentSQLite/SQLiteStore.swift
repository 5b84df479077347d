import Foundation
import GRDB
import IncidentEngine
import IncidentWire

/// The `IncidentStore` on one SQLite file through GRDB: WAL, full sync (a commit survives a
/// power cut, not only a crash), every write in one transaction.
public final class SQLiteStore: IncidentStore {
    public let writer: any DatabaseWriter

    /// Opens (creating if needed) the database at `path` and brings it to the latest schema.
    /// Opens (or creates) the database at `path`, readable by its owner only: the file is
    /// made 0600 before SQLite opens it, and SQLite gives its WAL and shared-memory files the
    /// database file's mode.
    public convenience init(path: String) throws {
        try PrivateFile.ensure(path)
        for companion in [path + "-wal", path + "-shm"] where PrivateFile.mode(companion) != nil {
            try PrivateFile.ensure(companion)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try self.init(writer: DatabasePool(path: path, configuration: configuration))
    }

    /// A private database in memory: for tests and benchmarks.
    public static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue())
    }

    /// Uses `writer`, migrating it to the latest schema first.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Schema.migrator.migrate(writer)
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await writer.write { db in try body(SQLiteRecords(db: db)) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await writer.read { db in try body(SQLiteRecords(db: db)) }
    }
}
