import IncidentWire

/// Where the PostgreSQL database is and how to log in: from `database.url`
/// (`postgres://user@host:port/name?sslmode=require`), the password from the environment.
public struct PostgresSettings: Sendable, Equatable, CustomStringConvertible {
    public static func == (a: Self, b: Self) -> Bool {
        a.description == b.description && a.password?.value == b.password?.value
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: Secret?
    public var database: String
    /// `sslmode=require` (or `verify-full`): TLS, the server's certificate and name checked,
    /// or no connection.
    public var requireTLS: Bool
    /// `sslrootcert`: a PEM file of the authorities the server's certificate is checked
    /// against; nil: the system's.
    public var trustRoots: String?
    /// How a `serve` replica names its connections (nil for the other commands): what
    /// the replicas read of each other in `pg_stat_activity`, and the lease's holder.
    public var replica: ReplicaTag?

    /// The connections' `application_name`, as `pg_stat_activity` lists them to the replicas
    /// and to whoever looks after the database.
    var applicationName: String { replica?.applicationName ?? "incident-bot" }

    public init(host: String, port: Int = 5432, user: String, password: Secret?, database: String, requireTLS: Bool = false,
                trustRoots: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.requireTLS = requireTLS
        self.trustRoots = trustRoots
    }

    /// The URL without its password: what logs and errors show.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (requireTLS ? "?sslmode=verify-full" : "")
            + (trustRoots.map { "\(requireTLS ? "&" : "?")sslrootcert=\($0)" } ?? "")
    }
}
