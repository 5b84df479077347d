import Foundation
import GRDB
import IncidentEngine
import IncidentPostgres
import IncidentSQLite
import IncidentTesting
import Logging
import Testing

/// The stores the contract holds for: each test runs once on each.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A new, empty store of this kind: a SQLite file in a temp folder, or a database of its
    /// own on the test cluster. `replicas` opens that many stores on the one database, as that
    /// many processes would.
    func makeStores(replicas: Int = 1) async throws -> [any IncidentStore] {
        switch self {
        case .sqlite:
            let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
            return try (0..<replicas).map { _ in try SQLiteStore(path: path) }
        case .postgres:
            let cluster = try await PostgresCluster.get()
            let database = try await TestTools.offPool { try cluster.database("contract") }
            let settings = cluster.settings(database)
            return try await TestTools.offPool {
                try (0..<replicas).map { _ in try PostgresStore(settings: settings, logger: Logger(label: "test")) }
            }
        }
    }

    func makeStore() async throws -> any IncidentStore {
        try await makeStores()[0]
    }

    /// A new, empty store and a way to look at its tables behind its back: `query(sql)` gives
    /// the rows of one column, as text.
    func makeStoreWithQuery() async throws -> (store: any IncidentStore, query: @Sendable (String) async throws -> [String]) {
        switch self {
        case .sqlite:
            let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
            let store = try SQLiteStore(path: path)
            let connection = try DatabaseQueue(path: path)
            return (store, { sql in try await connection.write { db in try String.fetchAll(db, sql: sql) } })
        case .postgres:
            let cluster = try await PostgresCluster.get()
            let database = try await TestTools.offPool { try cluster.database("contract") }
            let settings = cluster.settings(database)
            let store = try await TestTools.offPool { try PostgresStore(settings: settings, logger: Logger(label: "test")) }
            return (store, { sql in
                let out = try await TestTools.offPool { try cluster.psql(sql, database: database) }
                return out.isEmpty ? [] : out.split(separator: "\n").map(String.init)
            })
        }
    }
}
