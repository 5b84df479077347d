import IncidentPostgres
import IncidentSQLite

/// The version `incident-bot --version` prints.
public enum BotVersion {
    public static let current = "0.14.0-dev"

    /// The version with the newest database migration each store knows: an older replica
    /// refused by a database a newer one migrated is told that migration (`v4: ...`), and
    /// this says which binary has it.
    public static var withSchemas: String {
        func newest(_ names: [String]) -> String { names.last.map { String($0.prefix { $0 != ":" }) } ?? "none" }
        return "\(current) (database schema: SQLite \(newest(IncidentSQLite.Schema.versions)), PostgreSQL \(newest(PostgresStore.versions)))"
    }
}
