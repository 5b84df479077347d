import Foundation
@testable import IncidentApp
@testable import IncidentEngine
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// SIGTERM with a service that ignores cancellation (a connect waiting out its own timeout):
/// the process ends at the deadline, by its own hand, instead of service-lifecycle's trap.
@Suite struct StopDeadlineTests {
    /// Waits, without honouring cancellation, until released: what a blocking call does.
    final class Stubborn: Service {
        let waiting = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let started = Mutex(false)
        func run() async throws {
            await withCheckedContinuation { (call: CheckedContinuation<Void, Never>) in
                waiting.withLock { $0 = call }
                started.withLock { $0 = true }
            }
        }
        func release() { waiting.withLock { $0 }?.resume() }
    }

    /// Throws at once: a listener that cannot bind.
    struct Failing: Service {
        struct Failed: Error {}
        func run() async throws { throw Failed() }
    }

    /// Runs `services` and the deadline (300 ms) until the process would have ended, `stop`
    /// starting the end; the status it would have ended with, and how long after `stop` (or,
    /// with a failing service, after the group started).
    /// `finishing`: the texts, calls and mails under way; `whileStopping` runs once the stop
    /// was asked for, before the end is waited for.
    static func ended(with services: [any Service], finishing: SendsToFinish = SendsToFinish(),
                      whileStopping: @Sendable (_ ended: @Sendable () -> Bool) async throws -> Void = { _ in },
                      stop: (ServiceGroup) async -> Void) async throws -> (Int32, Duration) {
        let stubborn = Stubborn()
        let ended = Mutex<(Int32, ContinuousClock.Instant)?>(nil)
        var logger = Logger(label: "stop-deadline-test")
        logger.logLevel = .critical
        let deadline = StopDeadline(limit: .milliseconds(300), logger: logger, finishing: finishing, finishLimit: .seconds(20),
                                    end: { status in ended.withLock { $0 = (status, .now) } })
        var configuration = ServiceGroupConfiguration(services: ([stubborn] + services + [deadline]).map { .init(service: $0) }, logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(50)
        configuration.maximumCancellationDuration = nil
        let group = ServiceGroup(configuration: configuration)
        var start = ContinuousClock.now
        let running = Task { try await group.run() }
        while !stubborn.started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        // Asked to stop now (no failing service): the bound counts from here.
        if services.isEmpty { start = ContinuousClock.now }
        await stop(group)
        try await whileStopping { ended.withLock { $0 } != nil }
        for _ in 0..<500 where ended.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let (status, at) = try #require(ended.withLock { $0 }, "the process was never ended")
        stubborn.release()
        _ = await running.result
        return (status, at - start)
    }

    @Test func aServiceThatWillNotStopEndsTheProcessAtTheDeadline() async throws {
        let (status, after) = try await Self.ended(with: []) { await $0.triggerGracefulShutdown() }
        #expect(status == 0)
        #expect(after >= .milliseconds(300))
    }

    /// A call under way when the stop came (its provider keeps nothing the next start could
    /// look it up by): the process is not ended before its record is written, past the
    /// deadline, and is ended as soon as it is.
    @Test func aCallUnderWayHoldsTheEndUntilItIsRecorded() async throws {
        let finishing = SendsToFinish()
        _ = try await finishing.send(7) { () async throws(TransportError) in .delivered }
        #expect(finishing.count == 1)
        let (status, after) = try await Self.ended(with: [], finishing: finishing, whileStopping: { ended in
            // Three times the deadline, the record still not written: not ended. Counted by the
            // clock, not by sleeps: on a loaded machine 90 sleeps of 10 ms took past the 20 s
            // finish limit, and the end then came as it should.
            let waited = ContinuousClock.now
            while ContinuousClock.now - waited < .milliseconds(900) {
                #expect(!ended())
                try await Task.sleep(for: .milliseconds(10))
            }
            finishing.recorded([7])
        }) { await $0.triggerGracefulShutdown() }
        #expect(status == 0)
        #expect(after >= .milliseconds(900))
    }

    /// The group ends because a service failed, while another holds on: the same bound, and a
    /// status that says it failed, so a supervisor starts it again.
    @Test func aFailureWithAServiceThatWillNotStopEndsTheProcessWithStatusOne() async throws {
        let (status, after) = try await Self.ended(with: [Failing()]) { _ in }
        #expect(status == 1)
        #expect(after >= .milliseconds(300))
    }
}
