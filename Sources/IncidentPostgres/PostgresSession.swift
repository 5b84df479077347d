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
        configuration.options.additionalStartupParameters = [("application_name", settings.applicationName)]
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
