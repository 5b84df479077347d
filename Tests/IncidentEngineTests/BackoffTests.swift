import Foundation
import IncidentCore
import IncidentEngine
import IncidentTesting
import Synchronization
import Testing

/// The one backoff, and waiting by it on the injected clock.
@Suite struct BackoffTests {
    @Test func doublesFromTheFirstWaitUpToTheCeiling() {
        let backoff = Backoff(first: .seconds(1), ceiling: .seconds(60))
        #expect((1...8).map { backoff.delay(afterFailures: $0) } == [1, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
        #expect(backoff.delay(afterFailures: 0) == .seconds(1))
        #expect(backoff.delay(afterFailures: 10_000) == .seconds(60))
        // Jitter spreads a wait over its upper half.
        #expect(backoff.delay(afterFailures: 3, jitter: 0) == .seconds(2))
        #expect(backoff.delay(afterFailures: 3, jitter: 0.5) == .seconds(3))
        #expect(backoff.delay(afterFailures: 3, jitter: 7) == .seconds(4))
        #expect(Backoff(first: .milliseconds(20), ceiling: .milliseconds(50)).delay(afterFailures: 3) == .milliseconds(50))
    }

    /// A retry's "not before" is never early: the wall clock's fraction of a second counts, and
    /// a wait of part of a second is a whole one more (Retry-After is a minimum).
    @Test func aWaitBecomesTheFirstWholeSecondAtWhichItIsOver() {
        let manual = ManualClock(start: TestConfig.start)
        #expect(manual.instant(after: .seconds(30)) == TestConfig.start + .seconds(30))
        #expect(manual.instant(after: .milliseconds(1_200)) == TestConfig.start + .seconds(2))
        #expect(manual.instant(after: .zero) == TestConfig.start)

        for _ in 0..<20 {
            let before = Date().timeIntervalSince1970
            let end = LiveClock().instant(after: .seconds(1))
            #expect(Double(end.secondsSinceEpoch) >= before + 1)
            #expect(Double(end.secondsSinceEpoch) < Date().timeIntervalSince1970 + 2)
        }
    }

    @Test func aWaitOnTheManualClockEndsWhenTheClockIsMovedPastIt() async throws {
        let clock = ManualClock(start: TestConfig.start)
        let waiter = Task {
            try await clock.sleep(for: .milliseconds(1_500))
            return clock.now
        }
        // The sleeper is registered once the task runs (a bounded wait for that, not for time).
        for _ in 0..<5_000 where clock.deadlines.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        // 1.5 s is waited as whole seconds of the clock: 2.
        #expect(clock.deadlines == [TestConfig.start + .seconds(2)])
        clock.advance(by: .seconds(1))
        #expect(clock.deadlines == [TestConfig.start + .seconds(2)], "woken before its time")
        clock.advance(by: .seconds(1))
        #expect(clock.deadlines.isEmpty)
        #expect(try await waiter.value == TestConfig.start + .seconds(2))
    }
}
