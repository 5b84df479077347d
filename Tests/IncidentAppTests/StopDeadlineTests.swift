import Foundation
@testable import IncidentApp
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// SIGTERM with a service that ignores cancellation (a connect waiting out its own timeout):
/// the process ends at the deadline, by its own hand, instead of service-lifecycle's trap.
@Suite struct StopDeadlineTests {
    /// Waits, without honouring cancellation, until released: what a blocking call does.
    final class Stubborn: Service {
        let released = Mutex(false)
        let started = Mutex(false)
        func run() async throws {
            started.withLock { $0 = true }
            while !released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
        }
    }

    @Test func aServiceThatWillNotStopEndsTheProcessAtTheDeadline() async throws {
        let stubborn = Stubborn()
        let ended = Mutex<ContinuousClock.Instant?>(nil)
        var logger = Logger(label: "stop-deadline-test")
        logger.logLevel = .critical
        let deadline = StopDeadline(limit: .milliseconds(300), logger: logger, end: { ended.withLock { $0 = .now } })
        var configuration = ServiceGroupConfiguration(services: [.init(service: stubborn), .init(service: deadline)], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(50)
        configuration.maximumCancellationDuration = nil
        let group = ServiceGroup(configuration: configuration)
        let running = Task { try await group.run() }
        while !stubborn.started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let asked = ContinuousClock.now
        await group.triggerGracefulShutdown()
        for _ in 0..<500 where ended.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let at = try #require(ended.withLock { $0 }, "the process was never ended")
        #expect(at - asked >= .milliseconds(300))
        stubborn.released.withLock { $0 = true }
        _ = await running.result
    }
}
