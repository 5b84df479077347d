import Dispatch
import IncidentEngine
import Logging
import NIOCore
import NIOPosix
import IncidentTLS
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
    /// What postgres-nio logs to: never below debug. At trace it logs the whole login, and a
    /// SCRAM exchange's salt, nonce and client proof are enough for a dictionary attack on the
    /// password offline; trace logs are the ones shipped off a host while debugging.
    let logger: Logger

    /// The longest one `run` may take: past it every wait gives up, the connection is dropped
    /// and the next `run` opens a new one. A database that stops answering (a failover, a
    /// dropped route) then costs this long, not TCP's quarter of an hour.
    let deadline: TimeAmount
    /// Writes with answers due, given up once late wherever they wait (`LateWrite`).
    let lateWrites = LateWrites()

    init(settings: PostgresSettings, name: String, deadline: TimeAmount = .seconds(20), logger: Logger) {
        self.settings = settings
        var logger = logger
        logger.logLevel = max(logger.logLevel, .debug)
        self.logger = logger
        self.deadline = deadline
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

    /// `run`, for a transaction whose answers are due: once `isLate` says so, it is given up
    /// wherever it waits before its COMMIT (queued behind another, connecting, waiting for the
    /// lock), `TooLateToCommit` is thrown then, and it never commits (`LateWrite`).
    func run<T: Sendable>(givingUpWhen isLate: @escaping @Sendable () -> Bool,
                          _ work: @escaping @Sendable (PostgresStatements) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let late = LateWrite(isLate: isLate) { continuation.resume(throwing: TooLateToCommit()) }
            lateWrites.watch(late)
            queue.async {
                guard !late.isGivenUp else { return }
                let outcome = Result { try self.runHere(work, late: late) }
                if late.tells() { continuation.resume(with: outcome) }
            }
        }
    }

    /// `run` for callers already off the concurrency threads (migrations at start), with no
    /// deadline: a migration takes as long as it takes.
    func runBlocking<T>(_ work: (PostgresStatements) throws -> T) throws -> T {
        try queue.sync { try runHere(work, deadline: nil) }
    }

    private func runHere<T>(_ work: (PostgresStatements) throws -> T, late: LateWrite? = nil) throws -> T {
        try runHere(work, deadline: deadline, late: late)
    }

    private func runHere<T>(_ work: (PostgresStatements) throws -> T, deadline: TimeAmount?, late: LateWrite? = nil) throws -> T {
        let open = try connected()
        let statements = PostgresStatements(connection: open, deadline: deadline.map { NIODeadline.now() + $0 }, late: late, logger: logger)
        do {
            return try work(statements)
        } catch let error as PSQLError where error.serverInfo == nil {
            // Not an answer from the server: the connection itself failed. The next
            // transaction opens a new one.
            drop(open)
            throw PostgresStoreError("the connection to \(settings) failed: \(PostgresStoreError.reason(error))")
        } catch is PostgresStatements.TimedOut {
            drop(open)
            throw PostgresStoreError("the database at \(settings) did not answer within \(deadline.map { "\($0.nanoseconds / 1_000_000) ms" } ?? "")")
        } catch is PostgresStatements.Closed {
            drop(open)
            throw PostgresStoreError("the connection to \(settings) was closed (the server stopped, or ended the session)")
        } catch let error as PostgresStoreError where error.endsTheSession {
            // The server's answer is about the session, not the transaction: a new connection
            // may get another answer. A session opened read-only (a hot standby after a
            // failover, or `default_transaction_read_only` set for a while) stays read-only
            // when the database is writable again: kept, it refused every write for good.
            drop(open)
            throw error
        }
    }

    /// Forgets a connection that failed or stopped answering, without waiting on it.
    private func drop(_ open: PostgresConnection) {
        let closing: EventLoopFuture<Void> = open.close()
        // Held until it is closed: a healthy connection dropped (it answered read-only) takes
        // a moment to close, and may not be freed before.
        closing.whenComplete { _ in withExtendedLifetime(open) {} }
        connection = nil
    }

    private func connected() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        let tls: PostgresConnection.Configuration.TLS
        if settings.requireTLS {
            tls = .require(try NIOSSLContext(configuration: TrustRoots.clientConfiguration(trusting: settings.trustRoots)))
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(host: settings.host, port: settings.port, username: settings.user,
                                                             password: settings.password?.value, database: settings.database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        do {
            let opened = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                        id: 1, logger: logger).wait()
            // A session paused or cut off inside a transaction holds the write lock: the server
            // ends it after 5 s idle in the transaction, so the other replicas go on. A wait
            // for the lock or a statement that runs long fails instead of hanging a request.
            let setup = PostgresStatements(connection: opened, deadline: .now() + .seconds(5), logger: logger)
            do {
                for setting in ["SET idle_in_transaction_session_timeout = '5s'", "SET lock_timeout = '10s'",
                                "SET statement_timeout = '15s'"] {
                    try setup.execute(PostgresQuery(unsafeSQL: setting))
                }
            } catch {
                drop(opened)
                throw PostgresStoreError("cannot set up the connection to \(settings): \(error)")
            }
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
    /// When every wait gives up (nil: never): a connection whose server stopped answering, or
    /// that postgres-nio never fails after the server ended it, must not hold the session.
    let deadline: NIODeadline?
    /// A write with answers due: its COMMIT is sent only if it was not given up (`LateWrite`).
    let late: LateWrite?
    private var sent: [EventLoopFuture<PostgresQueryResult>] = []
    /// Rows held for one statement a target, sent before the next other statement.
    private var held = PendingRows()

    /// What is left of the deadline, in seconds (nil: no deadline).
    var secondsLeft: Double? {
        deadline.map { Double($0.uptimeNanoseconds) / 1e9 - Double(NIODeadline.now().uptimeNanoseconds) / 1e9 }
    }

    /// The connection gave no answer in time.
    struct TimedOut: Error {}
    /// The connection is closed (the server stopped, or ended the session).
    struct Closed: Error {}

    init(connection: PostgresConnection, deadline: NIODeadline?, late: LateWrite? = nil, logger: Logger) {
        self.connection = connection
        self.deadline = deadline
        self.late = late
        self.logger = logger
    }

    /// Waits for `future` until the deadline at most.
    private func wait<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        guard let deadline else { return try future.wait() }
        let bounded = future.eventLoop.makePromise(of: T.self)
        future.cascade(to: bounded)
        let timeout = future.eventLoop.scheduleTask(deadline: deadline) { bounded.fail(TimedOut()) }
        defer { timeout.cancel() }
        return try bounded.futureResult.wait()
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
        sent.append(answer(to: query))
    }

    /// Writes one row through `target` without waiting, held to go with the transaction's
    /// other rows for it in one statement (`PendingRows`); `row` appends its values.
    func writeRow(_ target: RowTarget, _ row: (inout PostgresBindings) -> Void) {
        for batch in held.add(target, row) { sent.append(unheldAnswer(to: batch.query)) }
    }

    /// Sends the rows held.
    private func sendHeldRows() {
        guard !held.isEmpty else { return }
        for batch in held.take() { sent.append(unheldAnswer(to: batch.query)) }
    }

    /// The answer `query` will have, the rows held sent before it.
    private func answer(to query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
        sendHeldRows()
        return unheldAnswer(to: query)
    }

    /// The answer `query` will have. A session the server ended (idle in a transaction too
    /// long, an administrator) is closed: a statement on it would wait for an answer that
    /// never comes.
    private func unheldAnswer(to query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
        connection.isClosed ? connection.eventLoop.makeFailedFuture(Closed()) : connection.query(query, logger: logger)
    }

    /// Waits for every statement sent, the rows held included; throws the first one's failure.
    func settle() throws {
        sendHeldRows()
        let waiting = sent
        sent = []
        var first: (any Error)?
        for future in waiting {
            do { _ = try wait(future) } catch { first = first ?? error }
        }
        if let first { throw Self.described(first) }
    }

    private func result(_ query: PostgresQuery) throws -> PostgresQueryResult {
        let answer = answer(to: query)
        // What was sent before it answers first, in order: waiting for it costs nothing more,
        // and its failure (it aborted the transaction) is the reason, not this statement's
        // "transaction is aborted".
        try settle()
        do {
            return try wait(answer)
        } catch {
            throw Self.described(error)
        }
    }

    static func described(_ error: any Error) -> any Error {
        if error is TimedOut || error is Closed { return error }
        if let error = error as? PSQLError, let info = error.serverInfo {
            return PostgresStoreError(PostgresStoreError.reason(error), sqlState: info[.sqlState])
        }
        return error
    }

    /// Runs `work` between `begin` and COMMIT, rolling back when it throws. BEGIN is sent
    /// with the first statements and COMMIT after the last, and the transaction waits once for
    /// all their answers: a write transaction costs the session's thread no wake-up of its own
    /// for BEGIN, the lock or COMMIT. A statement that failed aborted the transaction, and the
    /// server answers that COMMIT by rolling back; `settle` throws the failure either way.
    func transaction<T>(_ begin: PostgresQuery, _ work: (PostgresStatements) throws -> T) throws -> T {
        send(begin)
        do {
            let result = try work(self)
            // Given up once late, its caller told "not saved": it must not commit.
            if let late, !late.commits() { throw TooLateToCommit() }
            let commit = answer(to: "COMMIT")
            try settle()
            // The server answers COMMIT with ROLLBACK when the transaction had aborted.
            let tag: String
            do { tag = try wait(commit).metadata.command } catch { throw Self.described(error) }
            guard tag == "COMMIT" else { throw PostgresStoreError("the transaction was rolled back (\(tag))") }
            return result
        } catch {
            _ = held.take()
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
