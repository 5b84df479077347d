import Foundation
import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Synchronization
import Testing

/// A replica that stalls inside a write transaction (paused, or cut off from the database)
/// holds the write lock; the server ends its session after 5 s idle in the transaction, so the
/// other replicas' writes go on instead of waiting for it to wake.
@Suite struct PostgresStallTests {
    @Test func aStalledWriterDoesNotHoldTheOthersUp() async throws {
        let stores = try await StoreKind.postgres.makeStores(replicas: 2)
        let awake = Awake()
        let stalled = Task {
            try await stores[0].write { records in
                try records.markSeen(.slack, eventID: "stalled", at: TestConfig.start)
                Thread.sleep(forTimeInterval: 8)   // the replica stops between two statements
                awake.flag.withLock { $0 = true }
                try records.markSeen(.slack, eventID: "stalled-after", at: TestConfig.start)
            }
        }
        defer { stalled.cancel() }
        try await Task.sleep(for: .milliseconds(500))
        try await stores[1].write { try $0.markSeen(.slack, eventID: "other", at: TestConfig.start) }
        // The other replica's write committed while the stalled one was still asleep...
        #expect(awake.flag.withLock { $0 } == false)
        // ...and the stalled one's transaction was ended by the server: nothing of it is kept.
        await #expect(throws: (any Error).self) { try await stalled.value }
        #expect(try await stores[1].read { try (!$0.isSeen(.slack, eventID: "stalled"), $0.isSeen(.slack, eventID: "other")) } == (true, true))
    }
}

/// Set when the stalled replica wakes.
private final class Awake: Sendable {
    let flag = Mutex(false)
}
