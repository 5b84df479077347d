import IncidentPostgres
import IncidentSQLite

/// The version `incident-bot --version` prints.
public enum BotVersion {
    public static let current = "0.14.0-dev"

    /// The version with the newest database migration each store knows: an older replica
    /// refused by a database a newer one migrated is told that migration (`v4: ...`), and
    /// this says which binary has it.
    public static var withSchemas: String {
        "\(current) (database schema: SQLite \(schemas.sqlite), PostgreSQL \(schemas.postgres))"
    }

    /// The newest migration each store knows (`v8`).
    public static var schemas: (sqlite: String, postgres: String) {
        func newest(_ names: [String]) -> String { names.last.map { String($0.prefix { $0 != ":" }) } ?? "none" }
        return (newest(IncidentSQLite.Schema.versions), newest(PostgresStore.versions))
    }

    /// `incident_bot_build_info`'s labels: which build a replica runs, so an operator sees an
    /// older one still leading during a rollout (`incident_bot_leader` beside it).
    static var metricLabels: [(String, String)] {
        [("version", current), ("sqlite_schema", schemas.sqlite), ("postgres_schema", schemas.postgres)]
    }
}
