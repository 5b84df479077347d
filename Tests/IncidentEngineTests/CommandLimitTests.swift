import IncidentCore
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Synchronization
import Testing

/// One account, or a loop of bots, cannot flood the store and the rooms.
@Suite struct CommandLimitTests {
    static let room = ScenarioTests.room

    @Test func aPersonPastTheLimitIsToldOnceThenIgnoredUntilTheMinuteIsOver() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        var dispositions: [EngineOutcome.Disposition] = []
        var replies: [String] = []
        for n in 1...34 {
            let outcome = try await bot.say("U0BOB0002", "/note loop \(n)", in: Self.room)
            dispositions.append(outcome.disposition)
            replies.append(outcome.reply?.plainText() ?? "")
        }
        #expect(dispositions.prefix(30).allSatisfy { $0 == .handled })
        #expect(dispositions[30] == .refused)
        #expect(replies[30] == "Slow down: you sent more than 30 commands in a minute. Commands you send before 10:01 UTC are ignored.")
        #expect(dispositions.suffix(3) == [.ignored, .ignored, .ignored])
        // Answered privately, as a slash command is: an empty answer read as if it went through.
        #expect(replies.suffix(3) == Array(repeating: "Not carried out: you sent more than 30 commands in a minute. Send it again after 10:01 UTC.",
                                           count: 3))
        let notes = try await bot.store.read { try $0.timeline(incident: 1).filter { $0.kind == .note }.count }
        #expect(notes == 30)
        // Somebody else is not slowed by it, and a minute later bob is heard again.
        #expect(try await bot.say("U0CAROL03", "/note still here", in: Self.room).disposition == .handled)
        bot.clock.advance(by: .seconds(60))
        #expect(try await bot.say("U0BOB0002", "/note back", in: Self.room).disposition == .handled)
    }

    /// The on-call past the limit (checking status under pressure) still acknowledges their
    /// page: the ladder stops. The acknowledgement counts, and leaves the "slow down" to the
    /// next command; past the limit a refused one is not answered. A stranger past the limit
    /// is ignored as before.
    @Test func anAcknowledgementFromTheRosterIsHeardPastTheLimit() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        for _ in 1...30 { try await bot.say("U0ALICE01", "/incident status", in: Self.room) }
        let ack = try await bot.say("U0ALICE01", "/ack", in: Self.room)
        #expect(ack.disposition == .handled, "\(ack.reply?.plainText() ?? "")")
        let acknowledged = try await bot.store.read { try $0.timeline(incident: 1).filter { $0.kind == .acknowledged }.count }
        #expect(acknowledged == 1)
        let next = try await bot.say("U0ALICE01", "/incident status", in: Self.room)
        #expect(next.reply?.plainText().hasPrefix("Slow down") == true, "\(next.reply?.plainText() ?? "")")
        let again = try await bot.say("U0ALICE01", "/ack", in: Self.room)
        #expect(again.disposition == .refused && again.reply == nil, "\(again.reply?.plainText() ?? "")")
        #expect(try await bot.say("U0ALICE01", "/incident status", in: Self.room).disposition == .ignored)
        for _ in 1...31 { try await bot.say("U0STRANGER", "/incident status", in: Self.room) }
        #expect(try await bot.say("U0STRANGER", "/ack", in: Self.room).disposition == .ignored)
    }

    /// Past the limit after a burst of notes, the commands that steer paging from someone on
    /// the roster are carried out: naming themselves IC (which acknowledges), the IC's update,
    /// mitigation. They were dropped without a word, and the ladders climbed on.
    @Test func theCommandsThatSteerPagingAreHeardPastTheLimit() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        for n in 1...31 { try await bot.say("U0ALICE01", "/note checking \(n)", in: Self.room) }
        #expect(try await bot.say("U0ALICE01", "/note one more", in: Self.room).disposition == .ignored)
        for text in ["/ic @alice", "/update Rolled back the deploy; error rate falling", "/incident mitigated"] {
            let outcome = try await bot.say("U0ALICE01", text, in: Self.room)
            #expect(outcome.disposition == .handled, "\(text): \(outcome.reply?.plainText() ?? "")")
        }
        let incident = try #require(try await bot.store.read { try $0.incident(1) }?.incident)
        #expect(incident.commander == "alice" && incident.phase == .mitigated)
        // A declaration is limited like any command (a loop would page for each), and told so.
        let declared = try await bot.say("U0ALICE01", "/incident declare Another outage --sev P0")
        #expect(declared.disposition == .ignored && declared.reply?.plainText().hasPrefix("Not carried out") == true)
        // And the exemption has a ceiling: a loop of acknowledgements is held at twice the limit.
        var heard = 0
        for _ in 1...40 where try await bot.say("U0ALICE01", "/ack", in: Self.room).disposition != .ignored { heard += 1 }
        #expect(heard < 40, "\(heard)")
        // A stranger's are limited as any command.
        for _ in 1...31 { try await bot.say("U0STRANGER", "/incident status", in: Self.room) }
        #expect(try await bot.say("U0STRANGER", "/incident declare Another outage --sev P0").disposition == .ignored)
    }

    /// The limit ends to the second, and the "slow down" says when: "before 10:01" for a limit
    /// that ends at 10:01:41 let a command typed at 10:01:05 go unanswered.
    @Test func theSlowDownNamesTheSecondTheLimitEnds() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        bot.clock.advance(by: .seconds(41))
        var last = ""
        for n in 1...31 { last = try await bot.say("U0BOB0002", "/note loop \(n)", in: Self.room).reply?.plainText() ?? "" }
        #expect(last == "Slow down: you sent more than 30 commands in a minute. Commands you send before 10:01:41 UTC are ignored.")
        bot.clock.advance(by: .seconds(24))
        #expect(try await bot.say("U0BOB0002", "/note at 10:01:05", in: Self.room).disposition == .ignored)
        bot.clock.advance(by: .seconds(36))
        #expect(try await bot.say("U0BOB0002", "/note at 10:01:41", in: Self.room).disposition == .handled)
    }

    /// A store whose next transaction fails at its end, after the commands in it were
    /// decided, as a disk that fails the commit would.
    final class FailingCommit: IncidentStore {
        let store: any IncidentStore
        let failNext = Mutex(false)
        struct Refused: Error {}

        init(_ store: any IncidentStore) { self.store = store }

        func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
            let fails = failNext.withLock { fails in defer { fails = false }; return fails }
            return try await store.write { records in
                let result = try body(records)
                if fails { throw Refused() }
                return result
            }
        }

        func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
            try await store.read(body)
        }
    }

    /// A batch the store fails is retried event by event (group commit); its commands count
    /// against their senders once, when they commit, not once a try.
    @Test func aBatchTheStoreFailedCountsItsCommandsOnceWhenRetried() async throws {
        let store = FailingCommit(try SQLiteStore.inMemory())
        let bot = try TestBot(store: store)
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let events = (1...30).map { ChatEvent(platform: .slack, id: "N\($0)", room: Self.room, user: "U0BOB0002", text: "/note finding \($0)") }
        store.failNext.withLock { $0 = true }
        await #expect(throws: FailingCommit.Refused.self) { try await bot.engine.handle(events, checkpoint: nil) }
        for event in events { #expect(try await bot.engine.handle(event).disposition == .handled) }
        #expect(try await bot.say("U0BOB0002", "/note one too many", in: Self.room).disposition == .refused)
        let notes = try await bot.store.read { try $0.timeline(incident: 1).filter { $0.kind == .note }.count }
        #expect(notes == 30)
    }

    /// An adapter may ask whether someone is over the limit without being counted.
    @Test func askingWhetherSomeoneIsOverCountsNothing() {
        let limiter = CommandLimiter(perMinute: 3)
        for _ in 0..<10 { #expect(!limiter.isOver(.slack, "U0ALICE01", at: TestConfig.at(0))) }
        for _ in 0..<3 { #expect(limiter.admit(.slack, "U0ALICE01", at: TestConfig.at(0)) == .allowed) }
        #expect(limiter.isOver(.slack, "U0ALICE01", at: TestConfig.at(0)))
        #expect(!limiter.isOver(.slack, "U0BOB0002", at: TestConfig.at(0)))
        #expect(!limiter.isOver(.slack, "U0ALICE01", at: TestConfig.at(1)))
    }

    /// The commands of the minute before the wall clock stepped back an hour count no more:
    /// someone at the limit was refused for the whole hour, told a time a minute away.
    @Test func aClockSteppedBackDoesNotHoldOffSomeoneForTheStep() {
        let limiter = CommandLimiter(perMinute: 3)
        let before = TestConfig.at(60)
        for second in 0..<3 { #expect(limiter.admit(.slack, "U0CAROL03", at: before + .seconds(Int64(second))) == .allowed) }
        #expect(limiter.isOver(.slack, "U0CAROL03", at: before + .seconds(10)))
        let stepped = before - .minutes(59)
        #expect(!limiter.isOver(.slack, "U0CAROL03", at: stepped))
        #expect(limiter.admit(.slack, "U0CAROL03", at: stepped) == .allowed)
    }

    /// On Matrix a refusal is posted for the whole room to read; a stranger who keeps getting
    /// refused sees it once a room a minute, not once a command. A roster person hears every one: a
    /// responder's typos under pressure each need their answer.
    @Test func refusalsForTheWholeRoomAreShownOnceARoomAMinutePerStranger() async throws {
        let bot = try TestBot()
        func event(_ n: Int, _ user: String) -> ChatEvent {
            ChatEvent(platform: .matrix, id: "$refused\(n)", room: "!lobby:localhost", user: user, text: "!ack INC-7", reply: .outboxToRoom)
        }
        let outcomes = try await bot.engine.handle([event(1, "@mallory:example.org"), event(2, "@mallory:example.org"),
                                                    event(3, "@eve:example.org")], checkpoint: nil)
        #expect(outcomes.map(\.disposition) == [.refused, .refused, .refused])
        #expect(outcomes.map { $0.reply != nil } == [true, false, true])
        let replies = try await bot.store.read { try $0.pendingOutbox(limit: 10) }
        #expect(replies.count == 2)
        bot.clock.advance(by: .seconds(60))
        let later = try await bot.engine.handle([event(4, "@mallory:example.org")], checkpoint: nil)
        #expect(later[0].reply != nil)
        let alice = try await bot.engine.handle([event(5, "@alice:example.org"), event(6, "@alice:example.org")], checkpoint: nil)
        #expect(alice.map(\.disposition) == [.refused, .refused])
        #expect(alice.map { $0.reply != nil } == [true, true])
        // Once a room: refused in the lobby, mallory is told in an incident's room too, where
        // silence read as if the command took.
        let elsewhere = ChatEvent(platform: .matrix, id: "$refused7", room: "!inc7:localhost", user: "@mallory:example.org",
                                  text: "!ack INC-7", reply: .outboxToRoom)
        let there = try await bot.engine.handle([elsewhere, event(8, "@mallory:example.org")], checkpoint: nil)
        #expect(there.map { $0.reply != nil } == [true, false])
    }
}
