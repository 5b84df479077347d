import Foundation
import IncidentCore
import IncidentEngine
import Logging
import PostgresNIO

/// The leader's lease in the database: one row naming the holder, its token and when the lease
/// runs out, by the database's clock (so replicas' clocks need not agree). A standby takes the
/// lease once it has run out, with the next token; the leader renews it well before. Runs on a
/// connection of its own, so a long write never delays a renewal; the mark of what the leader
/// may send (`raiseMark`) shares it, one raise at a time.
public final class PostgresLease: Sendable {
    let session: PostgresSession
    /// This process, as the lease names it: host and pid, and a random part for restarts (the
    /// replica's id, when its settings carry a tag).
    public let holder: String
    /// How long a grant or renewal holds the lease.
    public let length: Duration

    public init(settings: PostgresSettings, length: Duration, logger: Logger) {
        // A renewal that cannot finish within half a lease is given up (its connection closed),
        // so the keeper sees the term end on time instead of hanging on a dead connection.
        session = PostgresSession(settings: settings, name: "lease",
                                  deadline: .nanoseconds(Int64(length.components.seconds) * 500_000_000
                                                         + length.components.attoseconds / 2_000_000_000),
                                  logger: logger)
        holder = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(settings.replica?.id ?? String(UUID().uuidString.prefix(8)))"
        self.length = length
    }

    var seconds: Double { length.fractionalSeconds }

    /// Takes the lease if it is free, ran out, or already names this process (a grant whose
    /// answer was lost: the request timed out, the database committed it anyway, and nobody
    /// would lead until it ran out); the new term, with the next token, or nil while another
    /// holds it. The term's local deadline counts from before the request, so it ends before
    /// the database's. This process asks only while it leads no term, so taking its own row
    /// again ends nothing it still runs.
    ///
    /// `fromOthers` false: a lease that ran out while it named another replica is left to that
    /// replica (`LeaderElection`'s grace after an outage); one given up by a stop is still taken.
    ///
    /// A grant that reaches the database after this request gave up grants nothing
    /// (`grantsUntil`). A database frozen for longer than the lease, or a link that held the
    /// request and delivered it late, ran a grant sent before the stall at its end, when the
    /// leader's lease had run out meanwhile: the lease named this replica, its next look took it
    /// as its own lost grant, and the grace meant for the replica that led never applied. That
    /// replica had sent a page it could not record, and this one sent it again.
    public func acquire(fromOthers: Bool = true) async throws -> LeaseTerm? {
        let started = ContinuousClock.now
        let (holder, seconds) = (holder, seconds)
        let granted = try await session.run { sql -> (Int64, Int64?)? in
            let until = try Self.grantsUntil(sql)
            guard let token = try sql.value(Int64.self, """
                INSERT INTO leader_lease AS lease (name, holder, token, expires_at)
                SELECT 'leader', \(holder), 1, clock_timestamp() + make_interval(secs => \(seconds))
                WHERE clock_timestamp() < to_timestamp(\(until))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = lease.token + 1, expires_at = excluded.expires_at,
                    earlier_expires_at = lease.expires_at
                WHERE clock_timestamp() < to_timestamp(\(until))
                    AND (lease.holder = excluded.holder
                        OR (lease.expires_at < clock_timestamp() AND (\(fromOthers) OR lease.holder = \(Self.nobody))))
                RETURNING token
                """) else { return nil }
            // The grant is made: a failed take leaves the term without the value, and delivery
            // doubts all it finds queued, as on a first term; the term's first mark takes it.
            return (token, (try? Self.takeMark(term: token, sql)) ?? nil)
        }
        return granted.map { token, earlier in
            LeaseTerm(token: token, heldUntil: started + length, newestItemEarlierLeadersCouldSend: earlier) { [self] newest in
                try await raiseMark(to: newest, term: token)
            }
        }
    }

    /// Takes over the lease's mark of what leaders may have sent (`sendable_through`) for
    /// `term`, once, and returns what it says of the terms before
    /// (`LeaderTerm.newestItemEarlierLeadersCouldSend`): nil for the first term on the
    /// database, whose mark starts at the newest item queued, and when the term took it
    /// already.
    ///
    /// Two bounds, the lower taken. The mark, when the term before kept it (it is the one
    /// `sendable_through_kept_by` names): each term raises it before sending anything past it,
    /// and starts it at what the terms before it may have sent. And the newest item queued
    /// before the lease taken over ran out, whatever version held it: a leader begins no send
    /// past its lease's end (its own clock ends the term first), and an item it sent it had
    /// read, committed, before then. Run after the grant's statement, so every item committed
    /// before the lease ran out is seen, and so is every raise the term before made (each
    /// names its token, and the grant came after). One committed later and stamped earlier
    /// (its transaction began before) is counted too, which only makes the new leader look
    /// for it. A process taking its own lease again (a lost grant's) reads up to that grant's
    /// end, still to come: more, never fewer. Once taken it is never taken again: a take that
    /// came late (held behind a lock while its connection failed, and the term's raises went
    /// ahead on a new one) would lower the mark below what the term sent.
    static func takeMark(term: Int64, _ sql: PostgresStatements) throws -> Int64? {
        try sql.value(Int64.self, """
            WITH taken AS (UPDATE leader_lease AS lease SET
                sendable_through = CASE WHEN lease.earlier_expires_at IS NULL THEN (SELECT coalesce(max(id), 0) FROM outbox)
                    ELSE least((SELECT coalesce(max(id), 0) FROM outbox WHERE queued_at <= lease.earlier_expires_at),
                               CASE WHEN lease.sendable_through_kept_by = lease.token - 1 THEN lease.sendable_through END) END,
                sendable_through_kept_by = lease.token
            WHERE name = 'leader' AND token = \(term) AND sendable_through_kept_by IS DISTINCT FROM \(term)
            RETURNING earlier_expires_at IS NOT NULL AS took_over, sendable_through)
            SELECT sendable_through FROM taken WHERE took_over
            """)
    }

    /// Raises the lease's mark to `newest` for the term with `token`, before its delivery sends
    /// anything up to it (`LeaderTerm.markSendsThrough`), taking the mark first if the grant
    /// could not; throws `Deposed` when the lease is no longer that term's.
    func raiseMark(to newest: Int64, term token: Int64) async throws {
        let raised = try await session.run { sql in
            let raise = { () throws -> Bool in
                try sql.execute("""
                    UPDATE leader_lease SET sendable_through = greatest(sendable_through, \(newest))
                    WHERE name = 'leader' AND token = \(token) AND sendable_through_kept_by = \(token)
                        AND expires_at > clock_timestamp()
                    """) == 1
            }
            if try raise() { return true }
            _ = try Self.takeMark(term: token, sql)
            return try raise()
        }
        guard raised else { throw Deposed(token: token) }
    }

    /// Until when, by the database's clock (seconds since 1970), a statement sent next may still
    /// be waited for: the database's time now, plus what is left of the request's deadline once
    /// that time came back. The time was read before its answer travelled, so the bound falls
    /// before the request gives up, never after.
    static func grantsUntil(_ sql: PostgresStatements) throws -> Double {
        guard let now = try sql.value(Double.self, "SELECT extract(epoch FROM clock_timestamp())::float8"),
              let left = sql.secondsLeft else {
            throw PostgresStoreError("the lease is asked for only with a deadline")
        }
        return now + max(0, left)
    }

    /// The holder a lease given up by a stop names: nobody's, so no grace waits for it.
    static let nobody = ""

    /// Renews `term`; false when the lease is another's now (deposed).
    public func renew(_ term: LeaseTerm) async throws -> Bool {
        let started = ContinuousClock.now
        let (holder, seconds, token) = (holder, seconds, term.token)
        let renewed = try await session.run { sql in
            try sql.execute("""
                UPDATE leader_lease SET expires_at = clock_timestamp() + make_interval(secs => \(seconds))
                WHERE name = 'leader' AND holder = \(holder) AND token = \(token) AND expires_at > clock_timestamp()
                """) == 1
        }
        if renewed { term.extend(to: started + length) }
        return renewed
    }

    /// Ends `term` and lets the lease run out at once, so a standby need not wait it out.
    /// `toAnyone`: the process is stopping, and the lease names nobody from now on. Otherwise
    /// (the term ran out, was deposed, or a service failed) it still names this process: the
    /// process may have sent what it could not record, and after an outage it is the one to
    /// take the lease back and record it (`acquire(fromOthers:)`).
    public func release(_ term: LeaseTerm, toAnyone: Bool) async {
        term.end()
        let (holder, token, newHolder) = (holder, term.token, toAnyone ? Self.nobody : holder)
        _ = try? await session.run { sql in
            try sql.execute("""
                UPDATE leader_lease SET expires_at = clock_timestamp(), holder = \(newHolder)
                WHERE name = 'leader' AND holder = \(holder) AND token = \(token)
                """)
        }
    }

    /// Whether `token` is the lease's and the lease has not run out, inside a transaction.
    static func isCurrent(_ token: Int64, _ sql: PostgresStatements) throws -> Bool {
        try sql.value(Int.self, "SELECT 1 FROM leader_lease WHERE name = 'leader' AND token = \(token) AND expires_at > clock_timestamp()") != nil
    }

    public func close() { session.close() }
}
