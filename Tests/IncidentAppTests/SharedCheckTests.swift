@testable import IncidentApp
import IncidentEngine
import IncidentTesting
import Synchronization
import Testing

/// Probes that come together share one call to the remote service, and its answer stands for
/// a moment: a flood of `/readyz` called Slack's `auth.test` once a probe, on the connections
/// delivery posts on, and made every post two to four times later.
@Suite struct SharedCheckTests {
    @Test func probesThatComeTogetherShareOneCallAndItsAnswerStandsAMoment() async throws {
        let clock = ManualClock(start: TestConfig.start)
        let calls = Atomic<Int>(0)
        let gate = AsyncStream<Void>.makeStream()
        let shared = SharedCheck(clock: clock) {
            let call = calls.add(1, ordering: .relaxed).newValue
            if call == 1 { for await _ in gate.stream { break } }
            return call == 1 ? "auth.test failed: timed out" : nil
        }
        let check = AdminListener.Check(name: "slack") { await shared.answer() }

        // Thirty probes while the first call is under way: one call, one answer for all.
        let answers = Task { await withTaskGroup(of: String?.self) { group in
            for _ in 0..<30 { group.addTask { await check.run() } }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        } }
        while calls.load(ordering: .relaxed) == 0 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(50))
        gate.continuation.yield()
        #expect(await answers.value == Array(repeating: "auth.test failed: timed out", count: 30))
        #expect(calls.load(ordering: .relaxed) == 1)

        // Within the answer's time it stands; past it the service is asked again.
        clock.advance(by: .seconds(1))
        #expect(await check.run() == "auth.test failed: timed out" && calls.load(ordering: .relaxed) == 1)
        clock.advance(by: SharedCheck.reuse)
        #expect(await check.run() == nil && calls.load(ordering: .relaxed) == 2)
    }
}
