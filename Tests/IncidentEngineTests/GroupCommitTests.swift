@testable import IncidentEngine
import IncidentCore
import IncidentTesting
import Synchronization
import Testing

/// Group commit: what arrives while a transaction commits goes into the next one, together.
@Suite struct GroupCommitTests {
    @Test func eventsArrivingDuringACommitShareTheNextOne() async throws {
        let group = CommitGroup()
        let batches = Mutex<[[String]]>([])
        let gate = WakeSignal()
        let commit: CommitGroup.Commit = { events in
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
