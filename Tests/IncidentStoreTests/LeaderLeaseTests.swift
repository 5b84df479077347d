import Foundation
import IncidentCore
import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Logging
import Testing

/// The leader's lease on PostgreSQL, and what a term that is over may no longer do: send
/// (delivery) or write (the store).
@Suite struct LeaderLeaseTests {
    static func leases(_ count: Int) async throws -> (stores: [PostgresStore], leases: [PostgresLease], cluster: PostgresCluster, database: String) {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("lease") }
        let settings = cluster.settings(database)
        let stores = try await TestTools.offPool { try (0..<count).map { _ in try PostgresStore(settings: settings, logger: Logger(label: "test")) } }
        return (stores, (0..<count).map { _ in PostgresLease(settings: settings, length: .seconds(30), logger: Logger(label: "test")) },
                cluster, database)
    }

    @Test func oneHolderAtATimeEachWithAGreaterToken() async throws {
        let (stores, leases, cluster, database) = try await Self.leases(2)
        let first = try #require(try await leases[0].acquire())
        #expect(try await leases[1].acquire() == nil, "the lease is held")
        #expect(try await leases[0].renew(first))

        // The holder hangs: its lease runs out (moved along here instead of waited for).
        try await TestTools.offPool { try cluster.psql("UPDATE leader_lease SET expires_at = now() - interval '1 second'", database: database) }
        let second = try #require(try await leases[1].acquire())
        #expect(second.token > first.token)
        #expect(try await leases[0].renew(first) == false, "a deposed leader cannot renew")

        // A write as the deposed leader is refused and leaves nothing; the new leader's commits.
        await #expect(throws: Deposed.self) {
            try await LeaderTerm.$current.withValue(first.term) {
                try await stores[0].write { try $0.markSeen(.slack, eventID: "stale", at: TestConfig.start) }
            }
        }
        try await LeaderTerm.$current.withValue(second.term) {
            try await stores[1].write { try $0.markSeen(.slack, eventID: "current", at: TestConfig.start) }
        }
        #expect(try await stores[1].read { try (!$0.isSeen(.slack, eventID: "stale"), $0.isSeen(.slack, eventID: "current")) } == (true, true))

        // Giving it up lets another take it at once.
        await leases[1].release(second, toAnyone: true)
        #expect(!second.holds)
        #expect(try await leases[0].acquire() != nil)
    }

    /// A term knows the newest outbox item a leader before it may have sent: the newest that
    /// leader marked before sending (it reads the outbox, marks, then sends). What was queued
    /// after its last read (a P1 declared through a standby just after the leader died) is past
    /// the mark, so the new leader need not wait for a send of the old one's to land before
    /// sending it: such a page went 10 s after the takeover (audits s81a, s82a).
    @Test func aTermKnowsWhatTheLeadersBeforeItMayHaveSent() async throws {
        let (stores, leases, cluster, database) = try await Self.leases(2)
        let first = try #require(try await leases[0].acquire())
        #expect(first.term.newestItemEarlierLeadersCouldSend == nil, "no leader before the first term")
        let queue = { (key: String) -> Int64 in
            try await stores[1].write { try $0.enqueue([StoreContractTests.item(key, lane: "lane-\(key)")]) }
            return try await stores[1].read { try $0.latestOutboxID() }
        }
        // The leader reads an item and marks it, and is killed before it sends it.
        let read = try await queue("read by the leader")
        try await first.term.markSendsThrough(read)
        // A standby's command queues a page while the leader lies dead, and another once its
        // lease ran out (moved along here).
        _ = try await queue("after the leader's last read")
        try await TestTools.offPool { try cluster.psql("UPDATE leader_lease SET expires_at = clock_timestamp()", database: database) }
        _ = try await queue("in the gap")

        let second = try #require(try await leases[1].acquire())
        #expect(second.term.newestItemEarlierLeadersCouldSend == read)
        await #expect(throws: Deposed.self, "a term deposed marks nothing") { try await first.term.markSendsThrough(read + 10) }

        // A term that sent nothing leaves the mark where the terms before it left it.
        _ = try await queue("while the second led")
        await leases[1].release(second, toAnyone: true)
        let third = try #require(try await leases[0].acquire())
        #expect(third.term.newestItemEarlierLeadersCouldSend == read)

        // A term of an older version marks nothing: the next falls back on what was queued
        // before that term's lease ran out.
        await leases[0].release(third, toAnyone: true)
        try await TestTools.offPool {
            try cluster.psql("""
                UPDATE leader_lease SET holder = 'an older version', token = token + 1, expires_at = clock_timestamp() + interval '30 seconds'
                """, database: database)
        }
        let olderVersionsLast = try await queue("while an older version led")
        try await TestTools.offPool { try cluster.psql("UPDATE leader_lease SET expires_at = clock_timestamp()", database: database) }
        let afterTheOlderVersion = try await queue("after the older version's lease ran out")
        let fourth = try #require(try await leases[1].acquire())
        #expect(fourth.term.newestItemEarlierLeadersCouldSend == olderVersionsLast)
        // And from then on the mark holds again.
        try await fourth.term.markSendsThrough(afterTheOlderVersion)
        _ = try await queue("while the fourth led, never read")
        try await TestTools.offPool { try cluster.psql("UPDATE leader_lease SET expires_at = clock_timestamp()", database: database) }
        let fifth = try #require(try await leases[0].acquire())
        #expect(fifth.term.newestItemEarlierLeadersCouldSend == afterTheOlderVersion)
    }

    /// A term raises the mark only while the database says its lease holds; and when the
    /// grant could not take the mark over (its statement failed), the first raise takes it.
    @Test func aMarkIsRaisedOnlyUnderTheLease() async throws {
        let (stores, leases, cluster, database) = try await Self.leases(1)
        let term = try #require(try await leases[0].acquire())
        let queue = { (key: String) -> Int64 in
            try await stores[0].write { try $0.enqueue([StoreContractTests.item(key, lane: "lane-\(key)")]) }
            return try await stores[0].read { try $0.latestOutboxID() }
        }
        let psql = { (sql: String) in try await TestTools.offPool { try cluster.psql(sql, database: database) } }
        _ = try await psql("UPDATE leader_lease SET sendable_through = 0, sendable_through_kept_by = NULL")
        let read = try await queue("read")
        try await term.term.markSendsThrough(read)
        #expect(try await psql("SELECT sendable_through, sendable_through_kept_by = token FROM leader_lease") == "\(read)|t")

        // The lease ran out by the database's clock while the term still holds by its own.
        _ = try await psql("UPDATE leader_lease SET expires_at = clock_timestamp()")
        let later = try await queue("later")
        await #expect(throws: Deposed.self) { try await term.term.markSendsThrough(later) }
        #expect(try await psql("SELECT sendable_through FROM leader_lease") == "\(read)")
    }

    /// A grant whose answer was lost (the request timed out after the database committed it)
    /// left the lease naming this process, which then stood by as if another led, and nobody
    /// led until the lease ran out. Its next attempt now takes it again, with the next token.
    @Test func aGrantWhoseAnswerWasLostIsTakenAgainAtOnce() async throws {
        let (_, leases, cluster, database) = try await Self.leases(2)
        let holder = leases[0].holder
        try await TestTools.offPool {
            try cluster.psql("""
                INSERT INTO leader_lease (name, holder, token, expires_at) VALUES ('leader', '\(holder)', 7, now() + interval '30 seconds')
                """, database: database)
        }
        #expect(try await leases[1].acquire() == nil, "another replica still waits it out")
        let term = try #require(try await leases[0].acquire())
        #expect(term.token == 8 && term.holds)
    }

    /// After an outage, a replica asks without `fromOthers`: a lease that ran out naming
    /// another replica stays that replica's to take back (it may have sent a page it could not
    /// record), one given up by a stop is anyone's, and its own is its own.
    @Test func aLeaseThatRanOutIsLeftToItsHolderWhenAskedSo() async throws {
        let (_, leases, cluster, database) = try await Self.leases(2)
        let first = try #require(try await leases[0].acquire())
        let runOut = { try await TestTools.offPool {
            try cluster.psql("UPDATE leader_lease SET expires_at = now() - interval '1 second'", database: database) } }
        try await runOut()
        #expect(try await leases[1].acquire(fromOthers: false) == nil, "left to the replica that led")
        let again = try #require(try await leases[0].acquire(fromOthers: false), "its own, taken back")
        #expect(again.token > first.token)

        // A term that ran out or was deposed still names its process; a stop names nobody.
        await leases[0].release(again, toAnyone: false)
        #expect(try await leases[1].acquire(fromOthers: false) == nil)
        let third = try #require(try await leases[0].acquire())
        await leases[0].release(third, toAnyone: true)
        let taken = try #require(try await leases[1].acquire(fromOthers: false), "given up by a stop")
        #expect(taken.token > third.token)
    }

    /// A grant that reaches the database after its request gave up grants nothing. The
    /// database stalled (frozen, or a link holding packets) with a standby's grant sent and the
    /// leader's lease running; when it went on, the grant ran, the lease had run out, and it
    /// named the standby: its next look took the lease as a grant of its own whose answer was
    /// lost, and sent again the page the leader could not record. Here a row lock held past the
    /// lease plays the stall.
    @Test func aGrantThatRunsAfterItsRequestGaveUpGrantsNothing() async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("lease") }
        let settings = cluster.settings(database)
        _ = try await TestTools.offPool { try PostgresStore(settings: settings, logger: Logger(label: "test")) }
        // A lease long enough that a first grant, connecting on a loaded machine, comes back
        // within its half; the stall outlasts the leader's whole lease by 2 s, so the late
        // grant finds it run out and only its request's deadline (`grantsUntil`) refuses it.
        let (leader, standby) = (PostgresLease(settings: settings, length: .seconds(6), logger: Logger(label: "test")),
                                 PostgresLease(settings: settings, length: .seconds(6), logger: Logger(label: "test")))
        _ = try #require(try await leader.acquire())

        let stall = Task {
            try await TestTools.offPool {
                try cluster.psql("BEGIN; SELECT token FROM leader_lease FOR UPDATE; SELECT pg_sleep(8); COMMIT;", database: database)
            }
        }
        let activity = { (condition: String) in
            try await TestTools.offPool {
                try cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid() AND \(condition)")
            }
        }
        try await Self.waitUntil("the stall holds the lease's row") { try await activity("wait_event = 'PgSleep'") == "1" }
        // The standby's request gives up after half its lease; its grant waits on the row.
        await #expect(throws: PostgresStoreError.self) { try await standby.acquire() }
        _ = try await stall.value
        try await Self.waitUntil("the standby's grant has run") {
            try await activity("query LIKE 'INSERT INTO leader_lease%' AND state = 'active'") == "0"
        }

        let named = try await TestTools.offPool { try cluster.psql("SELECT holder FROM leader_lease", database: database) }
        #expect(named == leader.holder, "the late grant gave the standby the lease")
        #expect(try await standby.acquire(fromOthers: false) == nil, "left to the replica that led")
        #expect(try await leader.acquire(fromOthers: false) != nil)
    }

    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = TestTools.patientDeadline
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TestTools.Failure("not \(what) within \(TestTools.patience)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A term past its local deadline writes nothing, even while the database still names it
    /// (a leader paused past its lease whose successor has not taken over yet).
    @Test func aTermOverByItsOwnClockCannotWrite() async throws {
        let (stores, leases, _, _) = try await Self.leases(1)
        let term = try #require(try await leases[0].acquire())
        term.end()
        await #expect(throws: Deposed.self) {
            try await LeaderTerm.$current.withValue(term.term) {
                try await stores[0].write { try $0.markSeen(.slack, eventID: "late", at: TestConfig.start) }
            }
        }
    }

    /// The term is checked again just before COMMIT, not only as the transaction starts: a
    /// leader paused inside a write past its lease commits nothing when it wakes.
    @Test func aTermThatEndsDuringAWriteCommitsNothing() async throws {
        let (stores, leases, _, _) = try await Self.leases(1)
        let term = try #require(try await leases[0].acquire())
        await #expect(throws: Deposed.self) {
            try await LeaderTerm.$current.withValue(term.term) {
                try await stores[0].write { records in
                    try records.markSeen(.slack, eventID: "paused", at: TestConfig.start)
                    term.end()
                }
            }
        }
        #expect(try await stores[0].read { try $0.isSeen(.slack, eventID: "paused") } == false)
    }

    /// A renewal under way as the term ends (a service failed and stepped down) does not
    /// bring the term back: it stays over, so the failed service is started again.
    @Test func aRenewalDoesNotBringAnEndedTermBack() async throws {
        let (_, leases, _, _) = try await Self.leases(1)
        let term = try #require(try await leases[0].acquire())
        term.end()
        _ = try await leases[0].renew(term)
        #expect(!term.holds)
        #expect(!term.term.holds)
    }

    /// Delivery under a term that is over sends nothing and leaves the outbox as it was; under
    /// a live term it sends.
    @Test func deliveryUnderATermThatIsOverSendsNothing() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P3")
        let over = LeaderTerm(token: 1) { false }
        await LeaderTerm.$current.withValue(over) { _ = await bot.delivery.drain() }
        #expect(bot.slack.delivered.isEmpty)
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 100) }
        #expect(!pending.isEmpty && pending.allSatisfy { $0.attempts == 0 })
        let live = LeaderTerm(token: 2) { true }
        await LeaderTerm.$current.withValue(live) { _ = await bot.delivery.drain() }
        #expect(!bot.slack.delivered.isEmpty)
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }
}
