import IncidentCore
import IncidentEngine
import IncidentTesting
import Logging
import Testing

/// Every acknowledgement path becomes the paged person's own `/ack`, once.
@Suite struct PageAnswerTests {
    static let room = "incident-20261124-payment-api-errors"

    @Test func anAnswerFromOutsideChatAcknowledgesOnceAndStopsTheLadder() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let answer = PageAnswer(method: .email, id: "page-1", person: "alice", incident: 1, how: "mail link")
        let first = try await bot.engine.acknowledge(answer)
        #expect(first.disposition == .handled)
        #expect(try await bot.engine.acknowledge(answer).disposition == .duplicate)
        // The same person again by chat, or by another link: answered, nothing changes.
        let again = try await bot.say("U0ALICE01", "/ack INC-1", in: Self.room)
        #expect(again.reply?.plainText().contains("You already acknowledged INC-1") == true)
        let other = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM1", person: "alice", incident: 1, how: "SMS reply"))
        #expect(other.disposition == .answered)
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        #expect(timeline.filter { $0.kind == .acknowledged }.map(\.text) == ["Acknowledged by @alice (mail link)."])
        // The ladder stopped: the team lead is not paged at 30 minutes.
        #expect(timeline.contains { $0.kind == .ladderStopped && $0.text == "The engineering ladder stopped: acknowledged by @alice." })
        try await bot.run(toMinute: 45)
        #expect(bot.pages == ["0 alice", "0 erin"])
    }

    @Test func someoneWhoWasNotPagedCannotAcknowledgeByAnyPath() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        let outcome = try await bot.engine.acknowledge(PageAnswer(method: .pagerduty, id: "evt-1", person: "dave", incident: 1,
                                                                  how: "PagerDuty"))
        #expect(outcome.disposition == .refused)
        #expect(outcome.reply?.plainText().contains("Only people paged for INC-1 can acknowledge") == true)
        let missing = try await bot.engine.acknowledge(PageAnswer(method: .email, id: "x", person: "alice", incident: 9, how: "mail link"))
        #expect(missing.disposition == .refused)
        // A refused answer is not used up: the same link clicked again is refused again, not
        // told it was used already (as if someone else held it).
        let erin = PageAnswer(method: .email, id: "link:INC-1/business/L1/erin", person: "erin", incident: 1, how: "mail link",
                              spentWhenRefused: false)
        for _ in 0..<2 {
            let refused = try await bot.engine.acknowledge(erin)
            #expect(refused.disposition == .refused && refused.reply?.plainText().contains("business ladder") == true,
                    "\(String(describing: refused.reply?.plainText()))")
        }
        // A provider's message is spent even when refused: a bare ACK refused for want of a
        // page, replayed once an incident pages them, must not acknowledge it.
        let early = PageAnswer(method: .sms, id: "sms:SM-early", person: "bob", incident: nil, how: "SMS reply")
        #expect(try await bot.engine.acknowledge(early).disposition == .refused)
        try await bot.run(toMinute: 31)
        #expect(bot.pages.contains("30 bob"), "\(bot.pages)")
        #expect(try await bot.engine.acknowledge(early).disposition == .duplicate)
        #expect(try await bot.store.read { try $0.incident(1)?.incident.acknowledgedBy } == nil)
    }
}

extension PageAnswerTests {
    /// A link the lost database sent, clicked after a restore: the restored database numbers
    /// its next incident as the lost one did, and the lost INC-1's link acknowledged the new
    /// INC-1, stopping its ladder. The link says when its incident was declared.
    @Test func aLinkForAnIncidentOfTheSameNumberDeclaredAtAnotherTimeIsRefused() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        var stale = PageAnswer(method: .email, id: "link:INC-1/3@email", person: "alice", incident: 1, how: "email link",
                               spentWhenRefused: false)
        stale.declaredAt = TestConfig.start - .hours(3)
        let refused = try await bot.engine.acknowledge(stale)
        #expect(refused.disposition == .refused, "\(refused.reply?.plainText() ?? "")")
        #expect(refused.reply?.plainText().hasPrefix("This page was for an earlier INC-1") == true)
        #expect(try await bot.store.read { try $0.incident(1)?.incident.acknowledgedBy } == nil)
        var genuine = stale
        genuine.declaredAt = TestConfig.start
        #expect(try await bot.engine.acknowledge(genuine).disposition == .handled)
    }

    /// Someone taken off the roster since their page (a leaver; the restart warns that their
    /// commands are refused) cannot stop its ladder by a link or a keypress either.
    @Test func someoneTakenOffTheRosterSinceTheirPageCannotAcknowledgeIt() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        var roster = try TestConfig.roster()
        roster.people["alice"] = nil
        let restarted = Engine(store: bot.store, clock: bot.clock,
                               settings: EngineSettings(policy: try TestConfig.policy(), roster: roster, platforms: [.slack, .matrix],
                                                        broadcastRooms: TestBot.broadcast),
                               logger: Logger(label: "roster-changed"))
        let pressed = try await restarted.acknowledge(PageAnswer(method: .voice, id: "call:CA1", person: "alice", incident: 1, how: "phone keypress"))
        #expect(pressed.disposition == .refused && pressed.reply?.plainText().hasPrefix("You are no longer on the roster") == true,
                "\(pressed.reply?.plainText() ?? "")")
        #expect(try await bot.store.read { try $0.incident(1)?.incident.acknowledgedBy } == nil)
    }

    /// A bare `ACK` by text acknowledges the one open incident that awaits the person's
    /// acknowledgement. With two, it is refused and they are asked to name one: a text read
    /// for INC-1 must not stop INC-2's ladder because INC-2 paged them a minute later.
    @Test func anAnswerNamingNoIncidentTakesTheOneThatAwaitsIt() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 1)
        try await bot.say("U0REPORTER", "/incident declare Search is slow --sev P1")
        try await bot.settle()
        let both = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM1", person: "alice", incident: nil, how: "SMS reply"))
        #expect(both.disposition == .refused)
        #expect(both.reply?.plainText() == "INC-1 and INC-2 are paging you; name the one you answer, as in ACK INC-2.")
        #expect(try await bot.store.read { try $0.incident(1)?.incident.acknowledgedBy == nil && $0.incident(2)?.incident.acknowledgedBy == nil })
        let named = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM2", person: "alice", incident: 2, how: "SMS reply"))
        #expect(named.disposition == .handled && named.incident == 2)
        let bare = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM3", person: "alice", incident: nil, how: "SMS reply"))
        #expect(bare.disposition == .handled && bare.incident == 1)
        let again = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM4", person: "alice", incident: nil, how: "SMS reply"))
        #expect(again.disposition == .answered)
        let stranger = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM5", person: "frank", incident: nil, how: "SMS reply"))
        #expect(stranger.disposition == .refused && stranger.reply?.plainText().contains("No open incident has paged you") == true)
    }

    /// An incident whose engineering ladder stopped (an IC named, or someone else acknowledged)
    /// still has their page standing, asking them to answer it: a bare `ACK` could be for it as
    /// well as for the one still climbing, and is refused. It was taken as the other's, so the
    /// VP's text read for INC-1 stopped INC-2's ladder, whose page they had not read.
    @Test func anAnswerNamingNoIncidentIsRefusedWhileAnotherOfTheirPagesStands() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 1)
        try await bot.say("U0REPORTER", "/incident declare Search is slow --sev P1")
        try await bot.settle()
        try await bot.say("U0CAROL03", "/ic @carol", in: Self.room)
        let bare = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM1", person: "alice", incident: nil, how: "SMS reply"))
        #expect(bare.disposition == .refused, "\(bare.reply?.plainText() ?? "")")
        #expect(bare.reply?.plainText() == "INC-1 and INC-2 are paging you; name the one you answer, as in ACK INC-2.")
        #expect(try await bot.store.read { try $0.incident(2)?.incident.ladders["engineering"]?.stopped == nil })
        // Once they answered INC-1 by name, a bare `ACK` is INC-2's.
        _ = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM2", person: "alice", incident: 1, how: "SMS reply"))
        let next = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM3", person: "alice", incident: nil, how: "SMS reply"))
        #expect(next.disposition == .handled && next.incident == 2, "\(next.reply?.plainText() ?? "")")
    }

    /// Carol's page (engineering manager, at minute 60) was withdrawn before it went out,
    /// alice having answered while calls were down: it reached nobody, so her bare `ACK`, meant
    /// for another incident, does not land on this one, and by name she is told who may answer.
    @Test func aBareAnswerFromSomeoneWhosePageWasWithdrawnAnswersNothing() async throws {
        let bot = try TestBot(pagers: [.voice, .sms])
        bot.pagers[.voice]?.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 60)
        try await bot.say("U0ALICE01", "/ack INC-1")
        bot.clock.advance(to: bot.clock.now + .minutes(1))
        await bot.delivery.drain()
        #expect(try await bot.store.read { try $0.incident(1) }?.incident.pages.filter { $0.withdrawn == true }.map(\.person) == ["carol"])
        let bare = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM1", person: "carol", incident: nil, how: "SMS reply"))
        #expect(bare.disposition == .refused && bare.reply?.plainText() == "No open incident has paged you; name it, as in ACK INC-4.",
                "\(bare.reply?.plainText() ?? "")")
        let named = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM2", person: "carol", incident: 1, how: "SMS reply"))
        #expect(named.disposition == .refused && named.reply?.plainText() == "Only people paged for INC-1 can acknowledge (@alice, @bob).",
                "\(named.reply?.plainText() ?? "")")
        #expect(try await bot.store.read { try $0.incident(1)?.incident.acknowledgedBy } == ["alice"])
    }

    /// A page still retrying (its provider down) reached nobody yet: a bare `ACK` is not for
    /// it. Alice answered INC-1 by taking its command; INC-2's page to her was failing when she
    /// texted `ACK`, meant for INC-1's text, and it acknowledged INC-2 and stopped its ladder.
    @Test func aBareAnswerIsNotForAPageThatHasNotArrived() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        try await bot.say("U0ALICE01", "/ic @alice", in: Self.room)
        bot.slack.behave(.down(retryAfter: nil))
        bot.matrix.behave(.down(retryAfter: nil))
        bot.clock.advance(to: TestConfig.at(1))
        try await bot.say("U0REPORTER", "/incident declare Search is slow --sev P1")
        await bot.delivery.drain()
        #expect(try await bot.store.read { try $0.incident(2)?.incident.pages.contains { $0.person == "alice" } } == true)
        let bare = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM1", person: "alice", incident: nil, how: "SMS reply"))
        #expect(bare.incident != 2, "\(bare.reply?.plainText() ?? "")")
        let second = try #require(try await bot.store.read { try $0.incident(2) }).incident
        #expect(second.acknowledgedBy == nil && second.ladders["engineering"]?.stopped == nil)
        // Once it arrived, a bare `ACK` is INC-2's: INC-1 she had answered already.
        bot.slack.behave(.working)
        bot.matrix.behave(.working)
        bot.clock.advance(to: bot.clock.now + .minutes(5))
        await bot.delivery.drain()
        let arrived = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM2", person: "alice", incident: nil, how: "SMS reply"))
        #expect(arrived.disposition == .handled && arrived.incident == 2, "\(arrived.reply?.plainText() ?? "")")
    }

    /// Someone only notified on the business ladder, which an ack does not stop: their bare
    /// `ACK` is told so and stops nothing.
    @Test func aBareAnswerFromSomeoneOnlyNotifiedStopsNothing() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let erin = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM1", person: "erin", incident: nil, how: "SMS reply"))
        #expect(erin.disposition == .refused && erin.reply?.plainText().contains("business ladder") == true)
        #expect(try await bot.store.read { try $0.incident(1)?.incident.acknowledgedBy == nil })
    }
}

/// A declaration looks up only the room names it could collide with (`roomNames(_:)`).
@Suite struct RoomNameLookupTests {
    @Test func aTitleUsedTheSameDayGetsASuffixAndAnotherDaysDoesNot() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2")
        // Past the window in which the same title declared again is taken for the same incident.
        bot.clock.advance(to: bot.clock.now + .minutes(11))
        try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2")
        bot.clock.advance(to: bot.clock.now + .days(1))
        try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2")
        let rooms = try await bot.store.read { records in try (1...3).map { try records.incident($0)?.incident.room } }
        #expect(rooms == ["incident-20261124-checkout-down", "incident-20261124-checkout-down-2", "incident-20261125-checkout-down"])
        #expect(try await bot.store.read { try $0.roomNames(.stem("incident-20261124-checkout-down")) }
            == ["incident-20261124-checkout-down", "incident-20261124-checkout-down-2"])
    }

    /// Only the stem and the stem with a dash count: a title that merely starts the same way
    /// (`Checkout down 1`, `Checkout downstream`) is another name, and `Checkout down 2` is a
    /// name `-2` would collide with, so it is found.
    @Test func namesThatOnlyStartAlikeAreNotReadAndTheRoomsStillNeverCollide() async throws {
        let bot = try TestBot()
        for title in ["Checkout downstream", "Checkout down 2", "Checkout down", "Checkout down"] {
            try await bot.say("U0ERIN005", "/incident declare \(title) --sev P3")
            bot.clock.advance(to: bot.clock.now + .minutes(11))
        }
        let rooms = try await bot.store.read { records in try (1...4).compactMap { try records.incident($0)?.incident.room } }
        #expect(rooms == ["incident-20261124-checkout-downstream", "incident-20261124-checkout-down-2",
                          "incident-20261124-checkout-down", "incident-20261124-checkout-down-3"])
        #expect(try await bot.store.read { try $0.roomNames(.stem("incident-20261124-checkout-down")) }.count == 3)
        let long = String(repeating: "very long title ", count: 8)
        for _ in 1...3 {
            try await bot.say("U0ERIN005", "/incident declare \(long) --sev P3")
            bot.clock.advance(to: bot.clock.now + .minutes(11))
        }
        let longRooms = try await bot.store.read { records in try (5...7).compactMap { try records.incident($0)?.incident.room } }
        #expect(Set(longRooms).count == 3 && longRooms.allSatisfy { $0.count <= RoomName.maxLength })
    }
}
