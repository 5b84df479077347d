#if canImport(Glibc)
import Glibc
#endif
import Foundation
import IncidentEngine
import IncidentPostgres
import IncidentSQLite
import IncidentTLS
import IncidentWire
import Logging

/// Where the bot keeps its state: a SQLite file (one process) or a PostgreSQL database (one
/// or many replicas). Written as `database.url` in the config or `--db` on the command line:
/// `sqlite:PATH` or a bare path, or `postgres://USER@HOST:PORT/NAME[?sslmode=require]` with the
/// password in `INCIDENT_BOT_DATABASE_PASSWORD` (or `_FILE`), never in the URL, and
/// `sslrootcert=PATH` for a server whose certificate comes from a private CA.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    /// `text` as a location; a relative SQLite path or `sslrootcert` is resolved by `resolve` (the config's
    /// folder for the config, the working folder for `--db`). The password comes later, from
    /// the environment (`withPassword`).
    public static func parse(_ text: String, resolve: (String) -> String = { $0 }) throws -> DatabaseLocation {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            return .postgres(try postgres(text, resolve: resolve))
        }
        // `postgres:user:secret@host/db` without its slashes is no file name, and must not be
        // echoed as one.
        if text.lowercased().hasPrefix("postgres:") || text.lowercased().hasPrefix("postgresql:") {
            throw StartupError("a PostgreSQL database is postgres://USER@HOST:PORT/NAME, with its two slashes")
        }
        let path = text.hasPrefix("sqlite:") ? String(text.dropFirst("sqlite:".count)) : text
        guard !path.isEmpty, !path.contains("://") else {
            throw StartupError("the database is sqlite:PATH or postgres://USER@HOST:PORT/NAME, not “\(redacted(text))”")
        }
        guard !path.lowercased().hasPrefix("file:") else {
            throw StartupError("“\(redacted(text))” is a SQLite URI, which the bot does not take (nor its ?mode=): give the file's path, "
                               + "as sqlite:PATH or a bare path")
        }
        return .sqlite(path: resolve(path))
    }

    /// Whether both name one database: the same SQLite file (paths made absolute from the
    /// working folder, links followed), or the same PostgreSQL server, port, user and database
    /// (TLS asked for or not is how to reach it, not which it is).
    public func isSame(as other: DatabaseLocation) -> Bool {
        switch (self, other) {
        case (.sqlite(let one), .sqlite(let two)):
            Self.canonical(one) == Self.canonical(two)
        case (.postgres(let one), .postgres(let two)):
            one.host.lowercased() == two.host.lowercased() && one.port == two.port && one.user == two.user && one.database == two.database
        default:
            false
        }
    }

    /// A SQLite path with symbolic links resolved (the file's, or, while the file is yet to be
    /// made, its folder's and the link's own): the one name of the database, whatever name it
    /// was given by, for its lock and the files kept beside it. A hard link is another name for
    /// the file that no path shows: `DatabaseLock`'s lock on the file itself catches it.
    static func canonical(_ path: String, links: Int = 8) -> String {
        func real(_ path: String) -> String? {
            guard let resolved = realpath(path, nil) else { return nil }
            defer { free(resolved) }
            return String(cString: resolved)
        }
        if let file = real(path) { return file }
        let url = URL(fileURLWithPath: path)
        if links > 0, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            // A link to a file not made yet: the lock and the secrets go beside where it will be.
            let resolved = target.hasPrefix("/") ? target : url.deletingLastPathComponent().appendingPathComponent(target).path
            return canonical(resolved, links: links - 1)
        }
        return real(url.deletingLastPathComponent().path).map { $0 + "/" + url.lastPathComponent } ?? url.standardizedFileURL.path
    }

    static func postgres(_ text: String, resolve: (String) -> String = { $0 }) throws -> PostgresSettings {
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else {
            throw StartupError("“\(redacted(text))” is not a PostgreSQL URL like postgres://incident-bot@db.internal:5432/incidents")
        }
        // A colon written as %3A in the user is a password all the same.
        guard url.password == nil, url.user?.contains(":") != true else {
            throw StartupError("the database URL carries a password; put it in INCIDENT_BOT_DATABASE_PASSWORD (or "
                               + "INCIDENT_BOT_DATABASE_PASSWORD_FILE) instead, where logs and process lists do not show it")
        }
        if let port = url.port, !(1...65_535).contains(port) {
            throw StartupError("the database URL's port \(port) is not a TCP port (1 to 65535)")
        }
        guard let user = url.user, !user.isEmpty else {
            throw StartupError("the database URL names no user: postgres://USER@\(host)/NAME")
        }
        let name = String(url.path.drop { $0 == "/" })
        guard !name.isEmpty, !name.contains("/") else {
            throw StartupError("the database URL names no database: postgres://\(user)@\(host)/NAME")
        }
        var sslmode: String?
        var rootCertificates: String??
        for item in url.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "require"), ("sslmode", "verify-full"), ("sslmode", "disable"): sslmode = item.value
            case ("sslrootcert", let value?) where !value.isEmpty:
                // libpq's word for the system's authorities.
                rootCertificates = .some(value == "system" ? nil : resolve(value))
            case ("sslrootcert", _):
                throw StartupError("the database URL's sslrootcert names no file: sslrootcert=PATH, a PEM file of the CA that signed the server's certificate")
            case ("password", _):
                throw StartupError("the database URL carries a password; put it in INCIDENT_BOT_DATABASE_PASSWORD (or "
                                   + "INCIDENT_BOT_DATABASE_PASSWORD_FILE) instead, where logs and process lists do not show it")
            case ("sslmode", let value):
                throw StartupError("the database URL takes sslmode=verify-full (or require, the same here: the certificate and the "
                                   + "host name are checked) or sslmode=disable, not “sslmode=\(value ?? "")”")
            default:
                // The value is not shown: it may be a secret in a form this bot does not take.
                throw StartupError("the database URL takes only sslmode and sslrootcert, not “\(item.name)=…”")
            }
        }
        if rootCertificates != nil, sslmode == "disable" {
            throw StartupError("the database URL names an sslrootcert but says sslmode=disable: the CA is for checking a TLS "
                               + "connection; use sslmode=verify-full")
        }
        let trustRoots = rootCertificates ?? nil
        if let trustRoots {
            do {
                try TrustRoots.check(trustRoots)
            } catch {
                throw StartupError("the database URL's sslrootcert \(trustRoots): \(error)")
            }
        }
        // A CA named and no mode written: TLS checked against it, as libpq does.
        let requireTLS = sslmode.map { $0 != "disable" } ?? (rootCertificates != nil)
        return PostgresSettings(host: host, port: url.port ?? 5432, user: user, password: nil, database: name, requireTLS: requireTLS,
                                trustRoots: trustRoots)
    }

    /// `text` with whatever stands between `://` and the last `@` (a user and perhaps a
    /// password) shown as `…`: what a refusal may quote of a URL it could not read.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
              at.lowerBound > scheme.upperBound else { return text }
        return String(text[..<scheme.upperBound]) + "…" + String(text[at.lowerBound...])
    }

    /// The location with the PostgreSQL password from the environment.
    public func withPassword(from environment: [String: String]) throws -> DatabaseLocation {
        guard case .postgres(var settings) = self else { return self }
        settings.password = try Secrets.read("INCIDENT_BOT_DATABASE_PASSWORD", environment)
        return .postgres(settings)
    }

    /// The location as a `serve` replica on `filesDigest`'s policy and roster connects to it:
    /// on PostgreSQL its connections carry a new `ReplicaTag` (`ReplicaFilesCheck`); a SQLite
    /// file has one process.
    public func asReplica(filesDigest: String) -> DatabaseLocation {
        guard case .postgres(var settings) = self else { return self }
        settings.replica = ReplicaTag(filesDigest: filesDigest)
        return .postgres(settings)
    }

    /// The files the bot keeps beside a SQLite database, by the suffix of their names.
    public enum Companion: String, CaseIterable, Sendable {
        case lock = ".lock"
        case linkSecret = ".link-secret"
        case matrixToken = ".matrix-token"

        /// What the file is, in words.
        public var name: String {
            switch self {
            case .lock: "lock"
            case .linkSecret: "acknowledge-link secret"
            case .matrixToken: "Matrix token"
            }
        }
    }

    /// A file the bot keeps beside a SQLite database: beside the file itself, symbolic links
    /// followed, so the database started by any name finds the same secret; nil on PostgreSQL,
    /// where replicas share no disk and such secrets come from the environment. One an earlier
    /// version kept beside a link's own name is found there until `gatherCompanions` moves it.
    public func companionFile(_ companion: Companion) -> String? {
        guard case .sqlite(let path) = self else { return nil }
        let (beside, besideTheName) = Self.places(of: companion, file: Self.canonical(path), name: path)
        return !Self.isThere(beside) && Self.isThere(besideTheName) ? besideTheName : beside
    }

    /// Where `companion` goes beside the database `file` (links resolved), and where an
    /// earlier version kept it beside the `name` the database was given.
    static func places(of companion: Companion, file: String, name: String) -> (beside: String, besideTheName: String) {
        (file + companion.rawValue, name + companion.rawValue)
    }

    /// Moves the secrets kept beside the name the database was given (a symbolic link's, where
    /// versions before 2026-12-06 kept them) to beside the file it names, where every name of
    /// the database finds them: a link in a mail sent before keeps working when the bot is next
    /// started by the file's own name. Returns a line for the log for each one moved, or left
    /// where it is because it could not be (another file system), where it is still found.
    public func gatherCompanions() -> [String] {
        guard case .sqlite(let path) = self else { return [] }
        var said: [String] = []
        let file = Self.canonical(path)
        for companion in [Companion.linkSecret, .matrixToken] {
            let (beside, besideTheName) = Self.places(of: companion, file: file, name: path)
            // Only a file: a symbolic link in the way stays where it is, to be refused by its name.
            var status = stat()
            guard beside != besideTheName, !Self.isThere(beside), lstat(besideTheName, &status) == 0,
                  status.st_mode & S_IFMT == S_IFREG else { continue }
            if rename(besideTheName, beside) == 0 {
                said.append("moved the \(companion.name) from \(besideTheName) to \(beside), beside the database file the link names")
            } else {
                said.append("the \(companion.name) stays at \(besideTheName) (it cannot be moved beside \(beside): "
                            + "\(String(cString: strerror(errno)))); it is found there while the database is named so")
            }
        }
        return said
    }

    /// Whether anything is at `path`, a symbolic link to nothing included (it is in the way).
    static func isThere(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let settings): settings.description
        }
    }
}
