import Dispatch
import Foundation
import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Synchronization
import Testing

/// A slash command's write on PostgreSQL is given up once its answer is due, wherever it waits
/// before its COMMIT, and then commits nothing: the person hears "⚠️ Not saved" within Slack's
/// 3 s, not Slack's own timeout after the database kept it for 5 to 25 s (audit s63b).
@Suite struct PostgresLateWriteTests {
    /// Waiting for the write lock that another replica's transaction holds (a paused replica,
    /// until the server ends its session after 5 s idle).
    @Test func aLateWriteWaitingForTheLockIsGivenUpAndNeverCommits() async throws {
        let stores = try await StoreKind.postgres.makeStores(replicas: 2)
        let holder = HeldTransaction()
        let holding = Task { try await stores[0].write { records in
            // A read first: the lock is only sent with BEGIN, and is held once a read answers.
            // Held without it, the other replica's transaction may take the lock first.
            _ = try records.isSeen(.slack, eventID: "holder")
            try records.markSeen(.slack, eventID: "holder", at: TestConfig.start)
            holder.hold()
        } }
        try await holder.waitUntilHolding()
        let late = Mutex(false)
        // It reads first, as the engine's batch does (the events seen already): the lock is
        // waited for there. Writes after the last read go with the COMMIT, unwaited for.
        let waiting = Task { try await stores[1].write(givingUpWhen: { late.withLock { $0 } }) { records in
            guard try !records.isSeen(.slack, eventID: "late") else { return }
            try records.markSeen(.slack, eventID: "late", at: TestConfig.start)
        } }
        try await Task.sleep(for: .milliseconds(200))
        late.withLock { $0 = true }
        await #expect(throws: TooLateToCommit.self) { try await waiting.value }
        // Answered while the other transaction still held the lock...
        #expect(holder.release(), "the holder's wait ran out first")
        try await holding.value
        // ...and nothing of it was written once the lock was let go.
        #expect(try await stores[1].read { try ($0.isSeen(.slack, eventID: "holder"), $0.isSeen(.slack, eventID: "late")) } == (true, false))
    }

    /// Queued on the session's thread behind a transaction that waits (here, one of the same
    /// replica's, with no answer due: delivery's record, a probe's write).
    @Test func aLateWriteQueuedBehindAnotherOnTheSessionIsGivenUp() async throws {
        let store = try await StoreKind.postgres.makeStore()
        let holder = HeldTransaction()
        let holding = Task { try await store.write { records in
            try records.markSeen(.slack, eventID: "holder", at: TestConfig.start)
            holder.hold()
        } }
        try await holder.waitUntilHolding()
        let late = Mutex(false)
        let queued = Task { try await store.write(givingUpWhen: { late.withLock { $0 } }) { records in
            try records.markSeen(.slack, eventID: "queued", at: TestConfig.start)
        } }
        try await Task.sleep(for: .milliseconds(200))
        late.withLock { $0 = true }
        await #expect(throws: TooLateToCommit.self) { try await queued.value }
        #expect(holder.release(), "the holder's wait ran out first")
        try await holding.value
        #expect(try await store.read { try ($0.isSeen(.slack, eventID: "holder"), $0.isSeen(.slack, eventID: "queued")) } == (true, false))
    }
}

/// A transaction held open inside its body until the test lets it go, for at most 4 s: the
/// server ends a session idle in a transaction after 5.
private final class HeldTransaction: Sendable {
    private let holding = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Bool?>(nil)

    /// In the body, on the session's thread.
    func hold() {
        holding.signal()
        let letGo = released.wait(timeout: .now() + 4) == .success
        outcome.withLock { $0 = $0 ?? letGo }
    }

    func waitUntilHolding() async throws {
        let held = try await TestTools.offPool { self.holding.wait(timeout: .now() + .seconds(Int(TestTools.patience.components.seconds))) }
        try #require(held == .success, "the transaction never began")
    }

    /// Lets it go; whether it was still held (its wait had not run out).
    func release() -> Bool {
        let stillHeld = outcome.withLock { outcome -> Bool in
            guard outcome == nil else { return false }
            outcome = true
            return true
        }
        released.signal()
        return stillHeld
    }
}
