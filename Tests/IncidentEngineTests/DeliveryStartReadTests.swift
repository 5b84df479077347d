@testable import IncidentEngine
import IncidentCore
import IncidentTesting
import Testing

/// As delivery starts it reads the newest outbox id (on SQLite, `serve` has made that read
/// already, and delivery reads again only if it failed). A process stopped in that moment (a
/// listener's port in use ends `serve` at once) cuts the read off: that is no failure of the
/// database's, and the warning operators alert on is kept for a read that really failed.
@Suite struct DeliveryStartReadTests {
    /// Reads that fail with the given error.
    final class ReadsThatThrow: IncidentStore {
        let store: any IncidentStore
        let error: any Error
        init(_ store: any IncidentStore, error: any Error) { self.store = store; self.error = error }

        func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
            try await store.write(body)
        }

        func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
            throw error
        }
    }

    struct DiskGone: Error {}

    func warnings(readsFailingWith error: any Error) async throws -> [String] {
        let bot = try TestBot()
        let recorder = LogRecorder()
        let delivery = Delivery(store: ReadsThatThrow(bot.store, error: error), clock: bot.clock, transports: [bot.slack],
                                router: bot.engine.router, wake: bot.engine.deliveryWake, logger: recorder.logger)
        await delivery.noteWhatWasQueuedBeforeStart()
        return recorder.lines.withLock { $0 }.filter { $0.contains("cannot read the outbox") }
    }

    @Test func aReadCutOffByTheStopIsNotLogged() async throws {
        #expect(try await warnings(readsFailingWith: CancellationError()).isEmpty)
    }

    @Test func aReadTheDatabaseFailedIsLogged() async throws {
        #expect(try await warnings(readsFailingWith: DiskGone()).count == 1)
    }
}
