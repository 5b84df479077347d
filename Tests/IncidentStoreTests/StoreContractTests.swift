import Foundation
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentTesting
import Testing

/// What every `IncidentStore` must do, the same on SQLite and on PostgreSQL: each test runs on
/// both, through the engine where the engine is the user, and through the records where the
/// contract is finer than one drill shows.
@Suite struct StoreContractTests {
    /// A drill on the store delivers exactly what the same drill delivers on SQLite in memory.
    @Test(arguments: StoreKind.allCases)
    func aDrillDeliversTheSameOnEveryStore(kind: StoreKind) async throws {
        func drill(_ bot: TestBot) async throws -> [String] {
            try await bot.say("U0ALICE", "/incident declare Checkout is failing --sev P1")
            try await bot.settle()
            let room = try #require(try await bot.store.read { try $0.incident(1)?.incident.room })
            try await bot.say("U0ALICE", "/ic @alice", in: room)
            try await bot.run(toMinute: 20)
            try await bot.say("U0ALICE", "/update Rolled back the deploy; watching errors", in: room)
            try await bot.run(toMinute: 90)
            try await bot.say("U0ALICE", "/incident resolve", in: room)
            try await bot.run(toMinute: 95)
            // Each bot's delivery is a run of its own: compare whether a job was in doubt, not which run's.
            return (bot.slack.delivered + bot.matrix.delivered).map { delivered in
                var job = delivered.job
                let maybeSent = job.maybeSent
                job.doubt = .none
                return "\(delivered.at.secondsSinceEpoch) maybe sent: \(maybeSent) \(job)"
            }
        }
        let reference = try await drill(try TestBot())
        let onStore = try await drill(try TestBot(store: try await kind.makeStore()))
        #expect(!reference.isEmpty)
        #expect(onStore == reference)
    }

    /// A write from a task already cancelled (delivery recording what it sent as the process
    /// stops) commits on every store: rolled back, a text or a call would go again at the next
    /// start.
    @Test(arguments: StoreKind.allCases)
    func aWriteFromACancelledTaskCommits(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let written = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await store.write { try $0.markSeen(.slack, eventID: "Ev-cancelled", at: TestConfig.start) }
        }
        try await written.value
        #expect(try await store.read { try $0.isSeen(.slack, eventID: "Ev-cancelled") })
    }

    /// A statement the database refuses (a second incident with the first one's room) fails
    /// the transaction and leaves nothing behind, writes sent before it included, however the
    /// store pipelines its statements.
    @Test(arguments: StoreKind.allCases)
    func aRefusedStatementFailsTheWholeTransaction(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = try TestConfig.policy()
        @Sendable func incident(_ number: Int) -> StoredIncident { Self.outage(number, policy: policy) }
        await #expect(throws: (any Error).self) {
            try await store.write { records in
                try records.markSeen(.slack, eventID: "Ev1", at: TestConfig.start)
                try records.save(incident(1))
                try records.save(incident(2))
            }
        }
        #expect(try await store.read { try !$0.isSeen(.slack, eventID: "Ev1") && $0.incident(1) == nil && $0.openIncidents().isEmpty })
        // The store goes on: the next transaction commits.
        try await store.write { try $0.save(incident(1)) }
        #expect(try await store.read { try $0.incident(1)?.incident.room } == "incident-20261124-outage")
    }

    /// A policy is stored with the first incident that needs it. When that transaction rolls
    /// back, the store does not take the policy for stored: the next save stores it again.
    @Test(arguments: StoreKind.allCases)
    func aPolicyStoredByARolledBackTransactionIsStoredAgain(kind: StoreKind) async throws {
        // The second store reads as another process would, with nothing known beforehand.
        let stores = try await kind.makeStores(replicas: 2)
        let (store, other) = (stores[0], stores[1])
        let stored = Self.outage(1, policy: try TestConfig.policy())
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await store.write { records in
                try records.save(stored)
                throw Refused()
            }
        }
        try await store.write { try $0.save(stored) }
        try await store.write { records in
            var again = stored
            again.incident.summary = "saved once more"
            try records.save(again)
        }
        let read = try await other.read { try $0.incident(1) }
        #expect(read?.incident.policy == stored.incident.policy)
        #expect(read?.incident.summary == "saved once more")
    }

    /// A body that throws leaves nothing behind.
    @Test(arguments: StoreKind.allCases)
    func aFailedTransactionWritesNothing(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await store.write { records in
                try records.markSeen(.slack, eventID: "Ev1", at: TestConfig.start)
                try records.enqueue([Self.item("k1", lane: "slack:broadcast")])
                throw Refused()
            }
        }
        #expect(try await store.read { try !$0.isSeen(.slack, eventID: "Ev1") && $0.pendingOutbox(limit: 10).isEmpty })
    }

    @Test(arguments: StoreKind.allCases)
    func seenEventsAreKeptByDoorAndPruned(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let pruned = try await store.write { records in
            try records.markSeen(.slack, eventID: "Ev1", at: TestConfig.at(0))
            try records.markSeen(.slack, eventID: "Ev1", at: TestConfig.at(1))
            try records.markSeen(.matrix, eventID: "Ev2", at: TestConfig.at(5))
            return try records.pruneSeen(before: TestConfig.at(3))
        }
        #expect(pruned == 1)
        #expect(try await store.read { try (!$0.isSeen(.slack, eventID: "Ev1"), $0.isSeen(.matrix, eventID: "Ev2"),
                                                 !$0.isSeen(.slack, eventID: "Ev2")) } == (true, true, true))
    }

    /// A batch's events are looked up at once, within their door; in the transaction that
    /// marks one, it is seen at once.
    @Test(arguments: StoreKind.allCases)
    func aBatchsSeenEventsAreLookedUpAtOnce(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let found = try await store.write { records in
            try records.markSeen(.slack, eventID: "Ev1", at: TestConfig.at(0))
            try records.markSeen(.matrix, eventID: "Ev2", at: TestConfig.at(0))
            let before = try records.seen(.slack, among: ["Ev1", "Ev2", "Ev3", "it's \"quoted\""])
            try records.markSeen(.slack, eventID: "it's \"quoted\"", at: TestConfig.at(0))
            return (before, try records.seen(.slack, among: ["it's \"quoted\"", "Ev1"]), try records.seen(.slack, among: []))
        }
        #expect(found.0 == ["Ev1"])
        #expect(found.1 == ["it's \"quoted\"", "Ev1"])
        #expect(found.2.isEmpty)
        #expect(try await store.read { try $0.seen(.matrix, among: ["Ev1", "Ev2"]) } == ["Ev2"])
    }

    /// The outbox: a key is queued once; heads come lane by lane in id order; finishing is
    /// only from pending; retry and drop answer whether they found the item.
    @Test(arguments: StoreKind.allCases)
    func theOutboxKeepsItsPromises(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.write { records in
            try records.enqueue([Self.item("a1", lane: "slack:INC-1"), Self.item("b1", lane: "slack:INC-2"),
                                 Self.item("a2", lane: "slack:INC-1"), Self.item("a1", lane: "slack:INC-9")])
        }
        let heads = try await store.read { try $0.outboxHeads(perLane: 1) }
        #expect(heads.items.map(\.key) == ["a1", "b1"])
        #expect(heads.undecodable.isEmpty)
        let all = try await store.read { try $0.pendingOutbox(limit: 10) }
        #expect(all.map(\.key) == ["a1", "b1", "a2"])
        #expect(all.compactMap(\.id) == all.compactMap(\.id).sorted())
        #expect(try await store.read { try $0.latestOutboxID() } == all.last?.id)
        let (a1, b1, a2) = (all[0].id!, all[1].id!, all[2].id!)
        try await store.write { records in
            try records.markDelivered(a1, at: TestConfig.at(1))
            try records.markFailed(a1, reason: "too late", at: TestConfig.at(2))
            try records.reschedule(b1, attempts: 2, notBefore: TestConfig.at(7), reason: "429")
            try records.reroute(a2, to: .email, lane: "email:dm:alice", attempts: 3, at: TestConfig.at(3), reason: "no answer")
        }
        let pending = try await store.read { try $0.pendingOutbox(limit: 10) }
        #expect(pending.map(\.key) == ["b1", "a2"])
        #expect(pending[0].attempts == 2 && pending[0].notBefore == TestConfig.at(7) && pending[0].lastError == "429")
        #expect(pending[1].method == .email && pending[1].lane == "email:dm:alice" && pending[1].attempts == 3)
        let finished = try await store.read { try $0.finishedOutbox(limit: 10) }
        #expect(finished.map { "\($0.0.key) \($0.1)" } == ["a1 delivered"])
        #expect(try await store.write { try $0.dropOutbox(key: "b1", reason: "operator", at: TestConfig.at(4)) })
        #expect(try await store.write { try !$0.dropOutbox(key: "b1", reason: "again", at: TestConfig.at(4)) })
        #expect(try await store.read { try ($0.outboxItem(key: "b1")?.key, $0.outboxItem(key: "nothing")?.key) } == ("b1", nil))
        #expect(try await store.write { try !$0.retryOutbox(key: "a1", at: TestConfig.at(5)) }, "a delivered item is not retried")
        let counts = try await store.read { try $0.unfinishedOutbox() }
        #expect(Set(counts) == [OutboxCount(method: "slack", state: .failed, count: 1), OutboxCount(method: "email", state: .pending, count: 1)])
        let failed = try await store.read { try $0.outboxListing(.failed, limit: 10) }
        #expect(failed.map(\.key) == ["b1"] && failed[0].lastError == "operator" && failed[0].item?.key == "b1")
        #expect(try await store.write { try $0.retryOutbox(key: "b1", at: TestConfig.at(6)) })
        #expect(try await store.read { try $0.pendingOutbox(limit: 10).map(\.key) } == ["b1", "a2"])
    }

    /// A dead letter keeps the count of attempts it failed with, the last included; one failed
    /// without a count (withdrawn, never tried here) keeps the count it had.
    @Test(arguments: StoreKind.allCases)
    func aDeadLetterKeepsItsCountOfAttempts(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.write { records in try records.enqueue([Self.item("tried", lane: "slack:a"), Self.item("moved", lane: "slack:b")]) }
        let ids = try await store.read { try $0.pendingOutbox(limit: 10).map { ($0.key, $0.id!) } }
        let (tried, moved) = (ids[0].1, ids[1].1)
        try await store.write { records in
            try records.reschedule(tried, attempts: 3, notBefore: TestConfig.at(1), reason: "HTTP 503")
            try records.reschedule(moved, attempts: 3, notBefore: TestConfig.at(1), reason: "HTTP 503")
            try records.markFailed(tried, attempts: 4, reason: "gave up after 4 attempts: HTTP 503", at: TestConfig.at(2))
            try records.markFailed(moved, reason: "sms is not enabled in this process", at: TestConfig.at(2))
        }
        let failed = try await store.read { try $0.outboxListing(.failed, limit: 10) }
        #expect(failed.first { $0.key == "tried" }?.attempts == 4)
        #expect(failed.first { $0.key == "moved" }?.attempts == 3)
    }

    /// Queues a Slack broadcast post of `incident` for each of `keys`; their ids by key.
    static func broadcastPosts(_ keys: [String], of incident: Int, in store: any IncidentStore) async throws -> [String: Int64] {
        let items = keys.map { key in
            var item = Self.item(key, lane: "slack:broadcast")
            item.incident = incident
            return item
        }
        try await store.write { records in try records.enqueue(items) }
        return Dictionary(uniqueKeysWithValues: try await store.read { try $0.pendingOutbox(limit: 10) }.map { ($0.key, $0.id!) })
    }

    /// A broadcast post delivery claimed as it sends it is left by a withdrawal and counted
    /// apart, for it may land; a claim once withdrawn fails; a failed attempt and a release
    /// (its round ended first) clear the claim, so the next withdrawal takes it.
    @Test(arguments: StoreKind.allCases)
    func aBroadcastPostBeingSentIsCountedNotWithdrawn(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ids = try await Self.broadcastPosts(["first", "second", "third", "fourth"], of: 7, in: store)
        try await store.write { records in
            let claimed = [ids["first"]!, ids["second"]!, ids["fourth"]!]
            #expect(try records.claimForSending(claimed, at: TestConfig.at(1)) == Set(claimed))
            #expect(try records.claimForSending([], at: TestConfig.at(1)) == [])
            try records.reschedule(ids["second"]!, attempts: 1, notBefore: TestConfig.at(2), reason: "HTTP 503")
            // Its round ended before its turn: released, as if never claimed.
            try records.releaseSendingClaims([ids["fourth"]!])
            #expect(try records.withdrawBroadcasts(incident: 7, reason: "withdrawn: INC-7 is private now", at: TestConfig.at(2))
                    == BroadcastWithdrawal(withdrawn: 3, beingSent: 1))
            // Withdrawn, it is left out; the one still claimed is claimed again.
            #expect(try records.claimForSending([ids["third"]!, ids["first"]!], at: TestConfig.at(2)) == [ids["first"]!])
        }
        #expect(try await store.read { try $0.pendingOutbox(limit: 10).map(\.key) } == ["first"])
        try await store.write { records in try records.markDelivered(ids["first"]!, at: TestConfig.at(2)) }
        #expect(try await store.write { try $0.withdrawBroadcasts(incident: 7, reason: "withdrawn: again", at: TestConfig.at(3)) }
                == BroadcastWithdrawal())
    }

    /// An operator's `outbox retry` of a post delivery is sending that moment leaves its claim:
    /// cleared, a withdrawal in the same instant counted it stopped ("will not be sent") while
    /// the round sent it. A failed post's claim is cleared by the retry, so a withdrawal takes it.
    @Test(arguments: StoreKind.allCases)
    func anOperatorsRetryLeavesAPostBeingSentClaimed(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ids = try await Self.broadcastPosts(["sending", "failed"], of: 7, in: store)
        try await store.write { records in
            #expect(try records.claimForSending([ids["sending"]!, ids["failed"]!], at: TestConfig.at(1)).count == 2)
            try records.markFailed(ids["failed"]!, reason: "HTTP 400: channel_not_found", at: TestConfig.at(1))
            #expect(try records.retryOutbox(key: "sending", at: TestConfig.at(2)))
            #expect(try records.retryOutbox(key: "failed", at: TestConfig.at(2)))
            #expect(try records.withdrawBroadcasts(incident: 7, reason: "withdrawn: INC-7 is private now", at: TestConfig.at(2))
                    == BroadcastWithdrawal(withdrawn: 1, beingSent: 1))
        }
        #expect(try await store.read { try $0.pendingOutbox(limit: 10).map(\.key) } == ["sending"])
    }

    /// Withdrawing an incident's broadcast posts takes its pending ones on every platform's
    /// broadcast lane, and nothing of another incident, another lane or already finished.
    @Test(arguments: StoreKind.allCases)
    func anIncidentsPendingBroadcastPostsAreWithdrawn(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        func item(_ key: String, incident: Int, lane: String) -> OutboxItem {
            var item = Self.item(key, lane: lane)
            item.incident = incident
            // A lane's items are on its platform, as the router makes them.
            if lane.hasPrefix("matrix:") { item.method = .matrix }
            return item
        }
        let items = [item("slack", incident: 7, lane: "slack:broadcast"), item("matrix", incident: 7, lane: "matrix:broadcast"),
                     item("room", incident: 7, lane: "slack:INC-7"), item("dm", incident: 7, lane: "slack:dm:broadcast"),
                     item("other", incident: 8, lane: "slack:broadcast"), item("sent", incident: 7, lane: "slack:broadcast")]
        try await store.write { records in try records.enqueue(items) }
        let sent = try #require(try await store.read { try $0.pendingOutbox(limit: 10) }.first { $0.key == "sent" }?.id)
        // One already given up (its platform was down for hours): withdrawn too, so no retry sends it.
        let givenUp = try #require(try await store.read { try $0.pendingOutbox(limit: 10) }.first { $0.key == "matrix" }?.id)
        try await store.write { records in
            try records.markFailed(givenUp, reason: "HTTP 502", at: TestConfig.at(1))
            try records.markDelivered(sent, at: TestConfig.at(1))
            #expect(try records.withdrawBroadcasts(incident: 7, reason: "withdrawn: INC-7 is private now", at: TestConfig.at(2))
                    == BroadcastWithdrawal(withdrawn: 2))
            // Withdrawn once: made public and private again, nothing more is withdrawn or counted.
            #expect(try records.withdrawBroadcasts(incident: 7, reason: "withdrawn: INC-7 is private again", at: TestConfig.at(3))
                    == BroadcastWithdrawal())
        }
        #expect(try await store.read { try $0.pendingOutbox(limit: 10).map(\.key) } == ["room", "dm", "other"])
        let failed = try await store.read { try $0.outboxListing(.failed, limit: 10) }
        #expect(Set(failed.map(\.key)) == ["slack", "matrix"] && failed.allSatisfy { $0.lastError == "withdrawn: INC-7 is private now" })
        // An operator's retry of the dead letters passes over what was withdrawn: the private
        // incident's announcement went to the broadcast channel.
        #expect(try await store.write { try !$0.retryOutbox(key: "slack", at: TestConfig.at(3)) })
        #expect(try await store.read { try $0.pendingOutbox(limit: 10).map(\.key) } == ["room", "dm", "other"])
        try await store.write { records in
            try records.dropOutbox(key: "other", reason: "dropped by an operator", at: TestConfig.at(3))
        }
        #expect(try await store.write { try $0.retryOutbox(key: "other", at: TestConfig.at(4)) }, "a dropped item may be retried")
    }

    /// Rooms, room names that collide, sync tokens: each replaced in place.
    @Test(arguments: StoreKind.allCases)
    func roomsNamesAndSyncTokens(kind: StoreKind) async throws {
        let bot = try TestBot(store: try await kind.makeStore())
        try await bot.say("U0ALICE", "/incident declare Checkout is failing --sev P2")
        bot.clock.advance(to: bot.clock.now + .minutes(11))
        try await bot.say("U0ALICE", "/incident declare Checkout is failing --sev P2")
        try await bot.settle()
        let rooms = try await bot.store.read { try [$0.incident(1)?.incident.room, $0.incident(2)?.incident.room] }
        #expect(rooms == ["incident-20261124-checkout-is-failing", "incident-20261124-checkout-is-failing-2"])
        try await bot.store.write { records in
            try records.bindRoom(.matrix, roomID: "!a:localhost", name: "incident-20261124-other", incident: 1)
            try records.bindRoom(.matrix, roomID: "!b:localhost", name: "incident-20261124-other", incident: 1)
            try records.setSyncToken(.matrix, "s1")
            try records.setSyncToken(.matrix, "s2")
        }
        let seen = try await bot.store.read { records in
            (try records.roomID(.matrix, incident: 1), try records.boundRooms(.matrix), try records.syncToken(.matrix),
             try records.incident(platform: .matrix, roomID: "!b:localhost")?.incident.number,
             try records.roomNames(.stem("incident-20261124-checkout-is-failing")),
             try records.roomNames(.prefix("incident-20261124-")))
        }
        #expect(seen.0 == "!b:localhost" && seen.1 == ["!b:localhost"] && seen.2 == "s2" && seen.3 == 1)
        #expect(seen.4 == ["incident-20261124-checkout-is-failing", "incident-20261124-checkout-is-failing-2"])
        #expect(seen.5 == seen.4.union(["incident-20261124-other"]))
        #expect(try await bot.store.read { try $0.roomNames(.stem("incident-20261124-check")) }.isEmpty,
                "a name that only starts with the same letters is no collision")
    }

    /// Open incidents, due times and the timeline read back as written.
    @Test(arguments: StoreKind.allCases)
    func incidentsDueTimesAndTimeline(kind: StoreKind) async throws {
        let bot = try TestBot(store: try await kind.makeStore())
        for title in ["Search is slow", "Login fails", "Mail is late"] {
            try await bot.say("U0ALICE", "/incident declare \(title) --sev P2")
        }
        try await bot.settle()
        let (open, earliest, due, timeline, declared) = try await bot.store.read { records in
            (try records.openIncidents().map(\.incident.number), try records.earliestDue(),
             try records.incidentsDue(at: TestConfig.at(24 * 60), limit: 2).map(\.incident.number),
             try records.timeline(incident: 2), try records.incidents(declaredSince: TestConfig.at(0)).readable.count)
        }
        #expect(open == [1, 2, 3] && declared == 3)
        #expect(earliest != nil && due == [1, 2])
        #expect(timeline.first?.kind == .declared && timeline.first?.at == TestConfig.at(0))
        #expect(try await bot.store.read { try $0.nextIncidentNumber() } == 4)
    }

    /// An incident numbered `number` in the room `incident-20261124-outage`, whatever its number.
    static func outage(_ number: Int, policy: Policy) -> StoredIncident {
        StoredIncident(incident: Incident(number: number, title: "Outage", room: "incident-20261124-outage", severity: .p2,
                                          declaredAt: TestConfig.start, declaredBy: "alice", policy: policy), home: .slack)
    }

    static func item(_ key: String, lane: String) -> OutboxItem {
        OutboxItem(key: key, incident: nil, method: .slack, lane: lane,
                   job: .effect(.post(Message(.text(key)), to: .broadcast)), at: TestConfig.start)
    }
}
