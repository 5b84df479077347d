import Foundation
import IncidentCore
import IncidentEngine
import IncidentRules
import IncidentTesting
import IncidentWire
import SlackFake
import Testing

/// A timeline from pins through the real endpoint and store and the fake Slack: in INC-1's
/// channel bob writes two messages; carol pins one (`pin_added`, the message inside the event)
/// and alice reacts 📌 to the other (`reaction_added`, its text read back from the channel's
/// history). Both join the timeline at the time bob wrote them; taking the pin and the
/// reaction back takes them off.
@Suite struct SlackPinTimelineTests {
    func pinned(_ bot: SlackHarness) async throws -> [PinnedMessage] {
        try await bot.runtime.engine.store.read { try $0.incident(1)?.incident.pinnedMessages ?? [] }
    }

    @Test func pinsAndReactionsBecomeTimelineEntriesWithTheirOwnTimeAndAuthor() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await bot.slash("erin", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.run(toMinute: 1)
        let room = try #require(bot.fake.channel(named: SlackScenarioTests.room)).id
        let users = SlackHarness.users
        let start = TestConfig.start.secondsSinceEpoch
        let first = bot.fake.say(users["bob"]!, "Rolled back <https://deploy.example.com/42|deploy 42>; <@\(users["alice"]!)> watching", in: room,
                                 at: start + 5 * 60)
        let second = bot.fake.say(users["bob"]!, "Error rate back to 0.1%", in: room, at: start + 12 * 60)
        try await bot.run(toMinute: 15)

        let pin: JSONValue = ["type": "pin_added", "user": .string(users["carol"]!), "channel_id": .string(room), "event_ts": "1.1",
                              "item": ["type": "message", "channel": .string(room), "created_by": .string(users["carol"]!),
                                       "message": ["type": "message", "user": .string(users["bob"]!), "text": .string(first.text),
                                                   "ts": .string(first.ts)]]]
        try await bot.event(pin)
        try await bot.event(["type": "reaction_added", "user": .string(users["alice"]!), "reaction": "pushpin", "item_user": .string(users["bob"]!),
                             "item": ["type": "message", "channel": .string(room), "ts": .string(second.ts)], "event_ts": "1.2"])
        // Another reaction, and carol pinning the same message again, change nothing.
        try await bot.event(pin)
        try await bot.event(["type": "reaction_added", "user": .string(users["alice"]!), "reaction": "eyes",
                             "item": ["type": "message", "channel": .string(room), "ts": .string(first.ts)], "event_ts": "1.3"])
        let pins = try await pinned(bot)
        #expect(pins.map(\.text) == ["Rolled back deploy 42 (https://deploy.example.com/42); @\(users["alice"]!) watching", "Error rate back to 0.1%"])
        #expect(pins.map(\.author) == ["bob", "bob"])
        #expect(pins.map { $0.marks.map(\.by) } == [["carol"], ["alice"]])
        #expect(pins.map(\.postedAt) == [TestConfig.at(5), TestConfig.at(12)])
        #expect(bot.fake.calls.contains { $0.method == "conversations.history" && $0.arguments["latest"] == second.ts })

        let draft = try await bot.runtime.engine.store.read { records -> String in
            let stored = try #require(try records.incident(1))
            return PostmortemDraft.markdown(stored.incident, timeline: try records.timeline(incident: 1))
        }
        #expect(draft.contains("| 2026-11-24 10:12 UTC | @bob | 📌 Error rate back to 0.1% |"), "\(draft)")

        try await bot.event(["type": "pin_removed", "user": .string(users["carol"]!), "channel_id": .string(room), "has_pins": false, "event_ts": "1.4",
                             "item": ["type": "message", "channel": .string(room),
                                      "message": ["type": "message", "user": .string(users["bob"]!), "text": .string(first.text),
                                                  "ts": .string(first.ts)]]])
        try await bot.event(["type": "reaction_removed", "user": .string(users["alice"]!), "reaction": "pushpin",
                             "item": ["type": "message", "channel": .string(room), "ts": .string(second.ts)], "event_ts": "1.5"])
        #expect(try await pinned(bot).isEmpty)
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
    }

    @Test func aPinOutsideAnIncidentRoomReadsNothing() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let lobby = bot.fake.addChannel("random", botIsMember: true)
        let message = bot.fake.say(SlackHarness.users["bob"]!, "lunch?", in: lobby)
        let answer = try await bot.event(["type": "reaction_added", "user": .string(SlackHarness.users["alice"]!), "reaction": "pushpin",
                                          "item": ["type": "message", "channel": .string(lobby), "ts": .string(message.ts)], "event_ts": "1.1"])
        #expect(answer.status == 200)
        #expect(!bot.fake.calls.contains { $0.method == "conversations.history" && $0.arguments["channel"] == lobby })
    }

    /// Reactions on messages Slack does not have are never recorded, so the engine's limit of
    /// pin changes never counted them, and each read Slack back twice (history, then thread
    /// replies): one account could spend the rate tier delivery's repeat check uses. Read-backs
    /// are counted as they are made.
    @Test func readBacksOfMessagesSlackDoesNotHaveAreLimited() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await bot.slash("erin", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.run(toMinute: 1)
        let room = try #require(bot.fake.channel(named: SlackScenarioTests.room)).id
        let limit = bot.runtime.engine.settings.commandsPerMinute
        let readsBefore = bot.fake.calls.filter { $0.method == "conversations.history" }.count
        for n in 0..<(limit + 20) {
            let answer = try await bot.event(["type": "reaction_added", "user": .string(SlackHarness.users["alice"]!), "reaction": "pushpin",
                                              "item": ["type": "message", "channel": .string(room), "ts": .string("1700000000.\(100_000 + n)")],
                                              "event_ts": "1.1"])
            #expect(answer.status == 200)
        }
        let reads = bot.fake.calls.filter { $0.method == "conversations.history" }.count - readsBefore
        #expect(reads == limit, "\(reads) reads for \(limit + 20) reactions")
    }
}
