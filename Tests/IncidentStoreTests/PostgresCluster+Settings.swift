import IncidentPostgres
import IncidentTesting

extension PostgresCluster {
    /// How the store reaches `database` on this cluster, as `user` (trust authentication: no
    /// password).
    func settings(_ database: String, user: String = "postgres") -> PostgresSettings {
        PostgresSettings(host: "127.0.0.1", port: port, user: user, password: nil, database: database)
    }
}
