@testable import IncidentEngine
import IncidentCore
import IncidentTesting
import Synchronization
import Testing

/// Group commit: what arrives while a transaction commits goes into the next one, together.
@Suite struct GroupCommitTests {
    @Test func eventsArrivingDuringACommitShareTheNextOne() async throws {
        let group = CommitGroup(clock: ManualClock(start: TestConfig.start))
        let batches = Mutex<[[String]]>([])
        let gate = WakeSignal()
        let commit: CommitGroup<ManualClock>.Commit = { events, _ in
            let first = batches.withLock { batches in
                batches.append(events.map(\.id))
                return batches.count == 1
            }
            if first { await gate.wait() }
            return events.map { _ in EngineOutcome(.handled) }
        }
        func event(_ n: Int) -> ChatEvent { ChatEvent(platform: .slack, id: "E\(n)", room: "C0LOBBY", user: "U0ALICE", text: "/incident list") }
        try await withThrowingTaskGroup(of: EngineOutcome.self) { tasks in
            tasks.addTask { try await group.submit(event(0), commit: commit) }
            while batches.withLock({ $0.count }) == 0 { await Task.yield() }
            for n in 1...40 { tasks.addTask { try await group.submit(event(n), commit: commit) } }
            while group.waiting < 40 { await Task.yield() }
            gate.fire()
            var outcomes = 0
            for try await outcome in tasks {
                #expect(outcome.disposition == .handled)
                outcomes += 1
            }
            #expect(outcomes == 41)
        }
        let committed = batches.withLock { $0 }
        #expect(committed.count == 2, "\(committed.map(\.count))")
        #expect(committed.first == ["E0"] && Set(committed.last ?? []) == Set((1...40).map { "E\($0)" }))
    }

    /// A stalled transaction holds those queued behind it: one whose answer is due (a Slack
    /// slash command's) is answered `TooLateToCommit` then, and never committed when the
    /// database comes back; one already in the stalled transaction, and one with no deadline,
    /// wait for it. Deadlines are on the engine's clock, moved here by hand.
    @Test func anEventWhoseAnswerIsDueIsNotCommittedLate() async throws {
        let clock = ManualClock(start: TestConfig.start)
        let group = CommitGroup(clock: clock)
        let committed = Mutex<[String]>([])
        let gate = WakeSignal()
        let commit: CommitGroup<ManualClock>.Commit = { events, _ in
            let first = committed.withLock { committed in
                defer { committed += events.map(\.id) }
                return committed.isEmpty
            }
            if first { await gate.wait() }
            return events.map { _ in EngineOutcome(.handled) }
        }
        func event(_ id: String) -> ChatEvent { ChatEvent(platform: .slack, id: id, room: "C0LOBBY", user: "U0ALICE", text: "/note x") }
        let stalled = Task { try await group.submit(event("stalled"), deadline: clock.elapsed + .seconds(2), commit: commit) }
        while committed.withLock({ $0.isEmpty }) { await Task.yield() }
        let patient = Task { try await group.submit(event("patient"), commit: commit) }
        let due = Task { try await group.submit(event("due"), deadline: clock.elapsed + .seconds(2), commit: commit) }
        while group.waiting < 2 || clock.deadlines.isEmpty { await Task.yield() }
        clock.advance(by: .seconds(2))
        await #expect(throws: TooLateToCommit.self) { try await due.value }
        gate.fire()
        #expect(try await stalled.value.disposition == .handled)
        #expect(try await patient.value.disposition == .handled)
        #expect(committed.withLock { $0 } == ["stalled", "patient"])
    }

    /// A batch that began too late for some of its events (it waited for the writer) answers
    /// those `TooLateToCommit` and commits the others together, not one transaction each.
    @Test func aBatchTooLateForSomeCommitsTheRestTogether() async throws {
        let clock = ManualClock(start: TestConfig.start)
        let group = CommitGroup(clock: clock)
        let calls = Mutex<[[String]]>([])
        let gate = WakeSignal()
        let commit: CommitGroup<ManualClock>.Commit = { events, notAfter in
            let call = calls.withLock { calls in
                calls.append(events.map(\.id))
                return calls.count
            }
            if call == 1 { await gate.wait() }
            // The second: it waited for the writer past the earliest deadline.
            if call == 2 { clock.advance(by: .seconds(3)) }
            if let notAfter, clock.elapsed > notAfter { throw TooLateToCommit() }
            return events.map { _ in EngineOutcome(.handled) }
        }
        func event(_ id: String) -> ChatEvent { ChatEvent(platform: .slack, id: id, room: "C0LOBBY", user: "U0ALICE", text: "/note x") }
        let first = Task { try await group.submit(event("first"), commit: commit) }
        while calls.withLock({ $0.isEmpty }) { await Task.yield() }
        let due = Task { try await group.submit(event("due"), deadline: clock.elapsed + .seconds(2), commit: commit) }
        let later = (1...5).map { n in Task { try await group.submit(event("later\(n)"), deadline: clock.elapsed + .seconds(10), commit: commit) } }
        let patient = Task { try await group.submit(event("patient"), commit: commit) }
        while group.waiting < 7 { await Task.yield() }
        gate.fire()
        #expect(try await first.value.disposition == .handled)
        await #expect(throws: TooLateToCommit.self) { try await due.value }
        for task in later { #expect(try await task.value.disposition == .handled) }
        #expect(try await patient.value.disposition == .handled)
        let made = calls.withLock { $0 }
        #expect(made.count == 3, "\(made)")
        #expect(Set(made.last ?? []) == Set((1...5).map { "later\($0)" } + ["patient"]))
    }

    /// Through the engine: a command whose transaction could not begin before its answer was
    /// due (the writer busy with another transaction) commits nothing.
    @Test func aTransactionBegunPastItsDeadlineWritesNothing() async throws {
        let bot = try TestBot()
        let late = bot.clock.elapsed - .seconds(1)
        await #expect(throws: TooLateToCommit.self) {
            _ = try await bot.engine.handle([ChatEvent(platform: .slack, id: "late", room: "C0LOBBY", user: "U0ERIN005",
                                                       text: "/incident declare Payment API errors --sev P1")],
                                            checkpoint: nil, notAfter: late)
        }
        #expect(try await bot.store.read { try $0.openIncidents().isEmpty })
        #expect(try await bot.store.read { try !$0.isSeen(.slack, eventID: "late") })
    }

    /// Through the engine: concurrent commands are each stored once, and answered after it.
    @Test func concurrentCommandsAreEachStoredOnce() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            // 25: under the per-person limit of 30 a minute.
            for n in 1...25 {
                tasks.addTask { try await bot.say("U0BOB0002", "/note note \(n)", in: ScenarioTests.room, eventID: "N\(n)") }
            }
            try await tasks.waitForAll()
        }
        let notes = try await bot.store.read { try $0.timeline(incident: 1).filter { $0.kind == .note }.map(\.text) }
        #expect(Set(notes).count == 25 && notes.count == 25, "\(notes)")
    }
}
