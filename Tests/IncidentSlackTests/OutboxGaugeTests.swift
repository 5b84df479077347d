@testable import IncidentApp
import IncidentEngine
import IncidentTesting
import Logging
import Prometheus
import Synchronization
import Testing

/// `/metrics` counts the outbox at each scrape. A database that fails or stops answering must
/// not turn a backlog into a count of 0 (which clears the alert on it) nor hold the scrape past
/// Prometheus' timeout (losing the leader gauge with it): the gauges keep their last values.
@Suite struct OutboxGaugeTests {
    /// Reads pass, fail, or hang until told to stop.
    final class ReadsThatStop: IncidentStore {
        enum Mode { case working, failing, hanging }
        let store: any IncidentStore
        let mode = Mutex(Mode.working)
        struct Refused: Error {}

        init(_ store: any IncidentStore) { self.store = store }

        func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
            try await store.write(body)
        }

        func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
            switch mode.withLock({ $0 }) {
            case .working: return try await store.read(body)
            case .failing: throw Refused()
            case .hanging:
                try await Task.sleep(for: .seconds(60))
                return try await store.read(body)
            }
        }
    }

    @Test func aFailedOrLateCountKeepsTheLastValues() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        let store = ReadsThatStop(bot.store)
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "gauge-test")
        logger.logLevel = .critical
        func pending() -> String? {
            String(decoding: registry.emitToBuffer(), as: UTF8.self).split(separator: "\n")
                .first { $0.hasPrefix("incident_bot_outbox_items{method=\"slack\",state=\"pending\"}") }.map(String.init)
        }
        await AdminListener.countOutbox(store, into: registry, logger: logger)
        let counted = try #require(pending())
        #expect(!counted.hasSuffix(" 0.0"), "\(counted)")
        store.mode.withLock { $0 = .failing }
        await AdminListener.countOutbox(store, into: registry, logger: logger)
        #expect(pending() == counted)
        store.mode.withLock { $0 = .hanging }
        let started = ContinuousClock.now
        await AdminListener.countOutbox(store, into: registry, logger: logger)
        // Given up at the check's time limit, not after the read's minute: the bound only tells
        // the two apart (a loaded machine may be seconds late; no timing is asserted).
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(pending() == counted)
    }
}
