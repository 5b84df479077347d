import Foundation
import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Logging
import Synchronization
import Testing

/// The console reading a file: consecutive chat lines are decided together, and it prints
/// the same as line by line would, in the same order, with `:` lines ending a batch.
@Suite struct ConsoleBatchTests {
    static let lines = [
        "carol: /incident declare Checkout down --sev P3",
        "zed: /incident list",
        "carol: /incident declare Search slow --sev P3",
        "carol: /note INC-1 first finding",
        "carol: hello there",
        ":now",
        "carol: /note INC-2 after the clock line",
        ":quit",
        "carol: /note INC-1 never read",
    ]

    func transcript(batch: Int, lines input: [String] = Self.lines, store: (any IncidentStore)? = nil,
                    start: Timestamp = TestConfig.start) async throws -> [String] {
        var config = try BotConfig.load(path: BotProcess.config)
        config.commandsPerMinute = 1_000
        let loaded = try LoadedConfig.load(config, allowExampleRoster: true)
        let printed = Mutex<[String]>([])
        let output = ConsoleOutput { text in printed.withLock { $0.append(text) } }
        let lines = AsyncStream<String> { continuation in
            for line in input { continuation.yield(line) }
            continuation.finish()
        }
        try await BotCommands.console(loaded: loaded, store: try store ?? SQLiteStore.inMemory(), start: start, output: output,
                                      lines: lines, batch: batch, logger: Logger(label: "test"))
        return printed.withLock { $0 }.joined().split(separator: "\n").map(String.init)
    }

    /// A P2's target to acknowledge runs out at 12:00 and is missed the second after (an
    /// answer in the deadline's own second meets it): the clock lines read apart.
    @Test func twoStepsInOneMinuteShowTheirSeconds() async throws {
        let lines = try await transcript(batch: 1, lines: ["carol: /incident declare Search slow --sev P2", ":advance 3h", ":quit"])
        let clock = lines.filter { $0.hasPrefix("[clock] 2026-11-24 12:00") }
        #expect(clock == ["[clock] 2026-11-24 12:00 UTC", "[clock] 2026-11-24 12:00:01 UTC"], "\(clock)")
        let missed = try #require(lines.firstIndex { $0.contains("missed its P2 target to acknowledge") })
        #expect(lines[missed - 1] == "[clock] 2026-11-24 12:00:01 UTC")
    }

    func firstRoomSingle(_ lines: [String]) -> Int {
        lines.firstIndex { $0.contains("created #incident-20261124-checkout-down") } ?? Int.max
    }

    @Test func aFileIsDecidedInBatchesAndPrintsWhatEachLineGot() async throws {
        let batched = try await transcript(batch: 256)
        let single = try await transcript(batch: 1)
        // A text in brackets is a whole line (`:now`'s clock, not the greeting that starts alike).
        func index(_ text: String, in lines: [String]) -> Int? {
            lines.firstIndex { text.hasPrefix("[") ? $0 == text : $0.contains(text) }
        }
        let replies = ["Declared INC-1 (P3)", "unknown user “zed”", "Declared INC-2 (P3)", "Noted on the INC-1 timeline",
                       "not a command", "[clock] 2026-11-24 10:00 UTC", "Noted on the INC-2 timeline"]
        for transcript in [batched, single] {
            let found = replies.map { index($0, in: transcript) }
            #expect(found.allSatisfy { $0 != nil }, "\(transcript)")
            #expect(found.compactMap { $0 } == found.compactMap { $0 }.sorted(), "replies out of order: \(transcript)")
            #expect(!transcript.contains { $0.contains("never read") })
        }
        // In a batch every reply comes before the first delivery; line by line they interleave.
        let firstRoom = try #require(index("created #incident-20261124-checkout-down", in: batched))
        #expect(try #require(index("Noted on the INC-1 timeline", in: batched)) < firstRoom)
        #expect(try #require(index("Noted on the INC-1 timeline", in: single)) > firstRoomSingle(single))
        // Batching changes when things print, never what.
        #expect(batched.sorted() == single.sorted())
    }
    /// A drill started before what the database already holds: time would go back, and its
    /// incidents' pages and targets would be timed from the future ("met in 0s"). Refused
    /// with one line, nothing run.
    @Test func aManualStartBeforeTheDatabasesLastDeclarationIsRefused() async throws {
        let store = try SQLiteStore.inMemory()
        _ = try await transcript(batch: 1, lines: ["carol: /incident declare Checkout down --sev P1", ":quit"], store: store)
        do {
            _ = try await transcript(batch: 1, lines: ["carol: /note INC-1 from the past", ":quit"], store: store, start: TestConfig.at(-60 * 24))
            Issue.record("started before INC-1 was declared")
        } catch let error as StartupError {
            #expect(error.description.hasPrefix("--start 2026-11-23 10:00 UTC is before INC-1's last change (2026-11-24 10:00 UTC)"),
                    "\(error)")
            #expect(!error.description.contains("\n"))
        }
        #expect(try await store.read { try $0.timeline(incident: 1) }.allSatisfy { !$0.text.contains("from the past") })
        // Nor again from the second run's own start, once it ran on: the team lead was paged at 30.
        _ = try await transcript(batch: 1, lines: [":advance 40m", ":quit"], store: store, start: TestConfig.at(1))
        do {
            _ = try await transcript(batch: 1, lines: [":quit"], store: store, start: TestConfig.at(1))
            Issue.record("started again from the drill's own start")
        } catch let error as StartupError {
            #expect(error.description.contains("INC-1's last change (2026-11-24 10:30 UTC)"), "\(error)")
        }
        // Nor 59 seconds before the team lead's page at 30: they could acknowledge a page
        // not sent yet, and the record measure it.
        do {
            _ = try await transcript(batch: 1, lines: [":quit"], store: store, start: TestConfig.at(30) - .seconds(59))
            Issue.record("started 59 seconds before the last change")
        } catch let error as StartupError {
            #expect(error.description.hasPrefix("--start 2026-11-24 10:29:01 UTC is before INC-1's last change (2026-11-24 10:30 UTC)"),
                    "\(error)")
        }
        // Starting later is fine.
        _ = try await transcript(batch: 1, lines: ["carol: /note INC-1 later", ":quit"], store: store, start: TestConfig.at(60))
    }
}
