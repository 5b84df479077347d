import Foundation
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
            let settings = PostgresSettings(host: "127.0.0.1", port: cluster.port, user: "postgres", password: nil, database: database)
            return try await TestTools.offPool {
                try (0..<replicas).map { _ in try PostgresStore(settings: settings, logger: Logger(label: "test")) }
            }
        }
    }

    func makeStore() async throws -> any IncidentStore {
        try await makeStores()[0]
    }
}
