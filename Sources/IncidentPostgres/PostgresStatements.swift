import IncidentEngine
import Logging
import NIOCore
import PostgresNIO

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
