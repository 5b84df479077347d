import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// `bringForward`, on both stores, as the contract's other outbox operations are
/// (`StoreContractTests`): a provider answering again makes what waited out its backoff due.
@Suite struct BringForwardContractTests {
    /// Bringing an item forward (its provider answers again) moves only its due time, and only
    /// earlier: the attempts and reason an attempt or an operator's retry wrote since it was
    /// read stand, and a finished item stays finished.
    @Test(arguments: StoreKind.allCases)
    func bringingAnItemForwardKeepsItsAttemptsAsTheyStand(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.write { records in
            try records.enqueue([StoreContractTests.item("waits", lane: "pagerduty:a"), StoreContractTests.item("soon", lane: "pagerduty:b"), StoreContractTests.item("done", lane: "pagerduty:c")])
        }
        let ids = try await store.read { try $0.pendingOutbox(limit: 10).map { ($0.key, $0.id!) } }
        let (waits, soon, done) = (ids[0].1, ids[1].1, ids[2].1)
        try await store.write { records in
            try records.reschedule(waits, attempts: 5, notBefore: TestConfig.at(60), reason: "HTTP 500")
            try records.reschedule(soon, attempts: 1, notBefore: TestConfig.at(2), reason: "HTTP 500")
            try records.markFailed(done, attempts: 9, reason: "gave up", at: TestConfig.at(1))
            for id in [waits, soon, done] { try records.bringForward(id, to: TestConfig.at(3)) }
        }
        let pending = try await store.read { try $0.pendingOutbox(limit: 10) }
        let moved = try #require(pending.first { $0.key == "waits" })
        #expect(moved.notBefore == TestConfig.at(3) && moved.attempts == 5 && moved.lastError == "HTTP 500")
        #expect(pending.first { $0.key == "soon" }?.notBefore == TestConfig.at(2))
        #expect(!pending.contains { $0.key == "done" })
    }

    /// As delivery starts, the items waiting for the bot's setup come due, and only they: an
    /// item waiting out an outage or due sooner keeps its time, a failed one stays failed.
    @Test(arguments: StoreKind.allCases)
    func bringingSetupWaitsForwardMovesOnlyThem(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.write { records in
            try records.enqueue(["setup", "soon", "outage", "failed"].map { StoreContractTests.item($0, lane: "slack:\($0)") })
        }
        let ids = Dictionary(uniqueKeysWithValues: try await store.read { try $0.pendingOutbox(limit: 10).map { ($0.key, $0.id!) } })
        let moved = try await store.write { records in
            try records.reschedule(ids["setup"]!, attempts: 0, notBefore: TestConfig.at(5), reason: OutboxItem.waitingForSetup("token_revoked"))
            try records.reschedule(ids["soon"]!, attempts: 0, notBefore: TestConfig.at(1), reason: OutboxItem.waitingForSetup("token_revoked"))
            try records.reschedule(ids["outage"]!, attempts: 3, notBefore: TestConfig.at(5), reason: "HTTP 503")
            try records.markFailed(ids["failed"]!, attempts: 1, reason: OutboxItem.waitingForSetup("token_revoked"), at: TestConfig.at(1))
            let moved = try records.bringForwardSetupWaits(on: [.slack], to: TestConfig.at(2))
            // Not on a method this process does not serve.
            #expect(try records.bringForwardSetupWaits(on: [.matrix, .email], to: TestConfig.at(2)) == 0)
            return moved
        }
        #expect(moved == 1)
        let pending = Dictionary(uniqueKeysWithValues: try await store.read { try $0.pendingOutbox(limit: 10).map { ($0.key, $0) } })
        #expect(pending["setup"]?.notBefore == TestConfig.at(2))
        #expect(pending["setup"]?.attempts == 0)
        #expect(pending["setup"]?.lastError == OutboxItem.waitingForSetup("token_revoked"))
        #expect(pending["soon"]?.notBefore == TestConfig.at(1))
        #expect(pending["outage"]?.notBefore == TestConfig.at(5))
        #expect(pending["failed"] == nil)
    }
}
