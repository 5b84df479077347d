import Dispatch
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to PostgreSQL with a thread of its own: the store's records are synchronous
/// (the engine decides inside the transaction), so each transaction runs on this session's
/// serial queue and waits there for each statement, never on Swift's concurrency threads or
/// NIO's event loops. A connection that fails is dropped and opened again by the next
/// transaction.
final class PostgresSession: @unchecked Sendable {
    // `connection` is touched on `queue` only.
    private let queue: DispatchQueue
    private var connection: PostgresConnection?
    let settings: PostgresSettings
    let logger: Logger

    init(settings: PostgresSettings, name: String, logger: Logger) {
        self.settings = settings
        self.logger = logger
        queue = DispatchQueue(label: "incident-bot.postgres.\(name)")
    }

    /// Runs `work` on the session's thread with an open connection.
    func run<T: Sendable>(_ work: @escaping @Sendable (PostgresStatements) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.runHere(work) })
            }
        }
    }

    /// `run` for callers already off the concurrency threads (migrations at start).
    func runBlocking<T>(_ work: (PostgresStatements) throws -> T) throws -> T {
        try queue.sync { try runHere(work) }
    }

    private func runHere<T>(_ work: (PostgresStatements) throws -> T) throws -> T {
        let open = try connected()
        do {
            return try work(PostgresStatements(connection: open, logger: logger))
        } catch let error as PSQLError where error.serverInfo == nil {
            // Not an answer from the server: the connection itself failed. The next
            // transaction opens a new one.
            try? open.close().wait()
            connection = nil
            throw PostgresStoreError("the connection to \(settings) failed: \(String(reflecting: error.code))")
        }
    }

    private func connected() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        let tls: PostgresConnection.Configuration.TLS
        if settings.requireTLS {
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(host: settings.host, port: settings.port, username: settings.user,
                                                             password: settings.password?.value, database: settings.database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        do {
            let opened = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                        id: 1, logger: logger).wait()
            connection = opened
            return opened
        } catch let error as PSQLError {
            throw PostgresStoreError("cannot connect to \(settings): \(PostgresStoreError.reason(error))")
        }
    }

    func close() {
        queue.sync {
            _ = try? connection?.close().wait()
            connection = nil
        }
    }

    deinit {
        // Nothing else holds the session now, so its queue is idle (or this is its last block).
        guard let connection, !connection.isClosed else { return }
        if connection.eventLoop.inEventLoop {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
        } else {
            _ = try? connection.close().wait()
        }
    }
}

/// Statements on an open connection, on the session's thread. A statement whose answer is
/// needed is waited for; one whose answer is not (an insert, an update) is only `send`: the
/// connection runs statements in the order given, so later ones see its effect, and the
/// transaction waits for all of them before it commits. A transaction of many writes then
/// costs the session's thread one wake-up per read, not one per statement.
final class PostgresStatements {
    let connection: PostgresConnection
    let logger: Logger
    private var sent: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Runs `query` and returns its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        try result(query).rows
    }

    /// Runs `query` and returns how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try result(query).metadata.rows ?? 0
    }

    /// Runs `query` without waiting for it; `settle` (and the commit) waits.
    func send(_ query: PostgresQuery) {
        sent.append(connection.query(query, logger: logger))
    }

    /// Waits for every statement sent; throws the first one's failure.
    func settle() throws {
        let waiting = sent
        sent = []
        var first: (any Error)?
        for future in waiting {
            do { _ = try future.wait() } catch { first = first ?? error }
        }
        if let first { throw Self.described(first) }
    }

    private func result(_ query: PostgresQuery) throws -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: logger).wait()
        } catch {
            // A statement sent before this one that failed aborted the transaction: its
            // failure is the reason, not this one's "transaction is aborted".
            try settle()
            throw Self.described(error)
        }
    }

    static func described(_ error: any Error) -> any Error {
        if let error = error as? PSQLError, error.serverInfo != nil { return PostgresStoreError(PostgresStoreError.reason(error)) }
        return error
    }

    /// Runs `work` between `begin` and COMMIT, rolling back when it throws.
    func transaction<T>(_ begin: PostgresQuery, _ work: (PostgresStatements) throws -> T) throws -> T {
        try execute(begin)
        do {
            let result = try work(self)
            try settle()
            try execute("COMMIT")
            return result
        } catch {
            _ = try? settle()
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// The one value of a one-column query's first row, or nil.
    func value<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery) throws -> T? {
        guard let row = try rows(query).first else { return nil }
        return try row.decode(T.self)
    }
}

/// Why the PostgreSQL store failed, in one line: the server's own message and SQLSTATE, never
/// the password.
public struct PostgresStoreError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }

    static func reason(_ error: PSQLError) -> String {
        if let info = error.serverInfo, let message = info[.message] {
            return message + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        return String(reflecting: error.code)
    }
}
