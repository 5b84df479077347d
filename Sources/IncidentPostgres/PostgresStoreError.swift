import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
#if canImport(Glibc)
import Glibc
#endif

/// Why the PostgreSQL store failed, in one line: the server's own message and SQLSTATE, never
/// the password.
public struct PostgresStoreError: Error, CustomStringConvertible {
    public var description: String
    /// The server's SQLSTATE, when the server answered.
    public var sqlState: String?
    init(_ description: String, sqlState: String? = nil) {
        self.description = description
        self.sqlState = sqlState
    }

    /// Whether the answer is about the session, not the statement: read-only (`25006`), the
    /// server shutting down or not taking connections yet (`57P01`-`57P03`), and connection
    /// exceptions (class `08`). A new connection may be answered otherwise.
    var endsTheSession: Bool {
        guard let sqlState else { return false }
        return sqlState == "25006" || ["57P01", "57P02", "57P03"].contains(sqlState) || sqlState.hasPrefix("08")
    }

    static func reason(_ error: PSQLError) -> String {
        if let info = error.serverInfo, let message = info[.message] {
            return message + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        switch error.code {
        case .authMechanismRequiresPassword:
            return "the server asks for a password; set INCIDENT_BOT_DATABASE_PASSWORD (or INCIDENT_BOT_DATABASE_PASSWORD_FILE)"
        case .sslUnsupported:
            return "the server does not offer TLS, which the database URL asks for"
        default:
            if let underlying = error.underlying, let tls = tlsFailure(underlying) { return tls }
            return String(reflecting: error.code) + (error.underlying.map { " (\(connectionFailure($0)))" } ?? "")
        }
    }

    /// A failed TLS handshake in an operator's words, with the cure, without BoringSSL's
    /// error stack and the source paths in it; nil for any other error.
    static func tlsFailure(_ error: any Error) -> String? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the server's certificate does not name the host the database URL names"
        }
        guard let failed = error as? NIOSSLError else { return nil }
        let text = String(describing: failed)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate is not signed by a trusted CA: the system's, or the one the database URL's "
                + "sslrootcert=PATH names (a PEM file of the CA that signed it)"
        }
        // BoringSSL names each error's source file after " at ".
        let reasons = text.split(separator: " at /").enumerated().map { index, part in
            index == 0 ? part : part.drop { $0 != "]" && $0 != ")" && $0 != "," }
        }
        return "the TLS handshake failed: " + reasons.joined()
    }

    /// What the connection itself met, on one line: `connection refused at 127.0.0.1:5432`,
    /// not NIO's nested description.
    static func connectionFailure(_ error: any Error) -> String {
        if let failed = error as? NIOConnectionError {
            if let last = failed.connectionErrors.last {
                let cause = (last.error as? IOError).map { String(cString: strerror($0.errnoCode)).lowercased() } ?? "\(last.error)"
                return "\(cause) at \(failed.host):\(failed.port)"
            }
            if let dns = failed.dnsAError ?? failed.dnsAAAAError { return "cannot look up \(failed.host): \(dns)" }
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        return String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
