import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// `/ack` typed bare outside an incident's room, as a paged person does in the page's direct
/// messages, acknowledges the one open incident whose page to them they have not answered,
/// whether or not someone else answered it first; with several it names them. It
/// was refused as typed outside an incident room, with an example naming INC-42.
@Suite struct BareAckTests {
    /// Declared, and its pages delivered: a bare answer is taken only for a page that reached
    /// its person.
    func declare(_ bot: TestBot, _ text: String) async throws {
        try await bot.say("U0ERIN005", text)
        await bot.delivery.drain()
    }

    @Test func aBareAckTakesThePageItAnswers() async throws {
        let bot = try TestBot()
        try await declare(bot, "/incident declare Checkout is down --sev P1")
        let first = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(first.disposition == .handled && first.incident == 1, "\(String(describing: first.reply?.plainText()))")
        #expect(try await bot.store.read { try $0.incident(1) }?.incident.acknowledgedBy == ["alice"])

        // INC-1 is hers already: the next bare /ack is INC-2's.
        try await declare(bot, "/incident declare Search is down --sev P1")
        let second = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(second.disposition == .handled && second.incident == 2)

        // Two pages open: she is asked which.
        try await declare(bot, "/incident declare Login fails --sev P1")
        try await declare(bot, "/incident declare Mail is slow --sev P1")
        let third = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(third.disposition == .refused)
        #expect(third.reply?.plainText() == "You are paged for 2 incidents; name the one you acknowledge: /ack INC-3 or /ack INC-4.",
                "\(String(describing: third.reply?.plainText()))")

        // INC-3's ladder stopped (carol named IC, which acknowledges it), but alice's page for it
        // still asks her: an answer meant for it must not stop INC-4's ladder, so she is asked
        // again, as a bare `ACK` by text is.
        try await bot.say("U0ERIN005", "/ic INC-3 <@U0CAROL03>")
        let fourth = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(fourth.disposition == .refused && fourth.reply?.plainText().hasPrefix("You are paged for 2 incidents") == true,
                "\(String(describing: fourth.reply?.plainText()))")
        try await bot.say("U0ALICE01", "/ack INC-4", in: "D0ALICE")

        // The one left is INC-3, answered by someone else first: hers is taken and recorded, not
        // refused as typed in the wrong place (audit s65b).
        let late = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(late.disposition == .handled && late.incident == 3, "\(String(describing: late.reply?.plainText()))")
        #expect(late.reply?.plainText().hasPrefix("Also acknowledged INC-3") == true, "\(String(describing: late.reply?.plainText()))")
        #expect(try await bot.store.read { try $0.incident(3) }?.incident.acknowledgedBy == ["alice", "carol"])

        // A resolved incident pages nobody: the one left is taken.
        try await declare(bot, "/incident declare Disk full --sev P1")
        try await declare(bot, "/incident declare Queue stuck --sev P1")
        try await bot.say("U0ERIN005", "/incident resolve INC-5 fixed")
        let sixth = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(sixth.disposition == .handled && sixth.incident == 6, "\(String(describing: sixth.reply?.plainText()))")

        // A page still on its way reached nobody: a bare /ack meant for another cannot stop its
        // ladder. Once it arrives, it is taken.
        try await bot.say("U0ERIN005", "/incident declare Cache cold --sev P1")
        let early = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(early.disposition == .refused && early.reply?.plainText().hasPrefix("No page of yours waits for an acknowledgement") == true,
                "\(String(describing: early.reply?.plainText()))")
        await bot.delivery.drain()
        let arrived = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(arrived.disposition == .handled && arrived.incident == 7, "\(String(describing: arrived.reply?.plainText()))")

        // The business ladder's notice has nothing to acknowledge: erin is told so.
        let erin = try await bot.say("U0ERIN005", "/ack", in: "D0ERIN")
        #expect(erin.reply?.plainText().hasPrefix("No page of yours waits for an acknowledgement") == true, "\(String(describing: erin.reply?.plainText()))")

        // Someone nothing pages is told the same.
        let bob = try await bot.say("U0BOB0002", "/ack", in: "D0BOB")
        #expect(bob.reply?.plainText().hasPrefix("No page of yours waits for an acknowledgement") == true, "\(String(describing: bob.reply?.plainText()))")
    }

    /// A bare `/ack` typed in another incident's room is that incident's, and refused to
    /// someone it did not page; the refusal points to the page that waits for them. It said
    /// only who may acknowledge the other incident, read at 3 a.m. as being dropped from the
    /// ladder (audit s77a).
    @Test func aBareAckInAnotherIncidentsRoomPointsToThePageThatWaits() async throws {
        let bot = try TestBot()
        try await declare(bot, "/incident declare Checkout is down --sev P1")
        try await bot.run(toMinute: 31)
        try await declare(bot, "/incident declare Search is down --sev P1")
        let room = try #require(try await bot.store.read { try $0.roomID(.slack, incident: 2) })
        let refused = try await bot.say("U0BOB0002", "/ack", in: room)
        #expect(refused.disposition == .refused)
        #expect(refused.reply?.plainText() == "Only people paged for INC-2 can acknowledge (@alice). Your page for INC-1 waits for an answer: /ack INC-1.",
                "\(String(describing: refused.reply?.plainText()))")
        // Named, the incident is the one asked about: no pointer.
        let named = try await bot.say("U0BOB0002", "/ack INC-2", in: room)
        #expect(named.reply?.plainText() == "Only people paged for INC-2 can acknowledge (@alice).", "\(String(describing: named.reply?.plainText()))")
        #expect(try await bot.store.read { try $0.incident(1) }?.incident.acknowledgedBy == nil)
    }

    /// In the room of an incident they answered, "nothing more to do" let another incident's
    /// page climb to their lead: the answer points to it (audit s78b). Once they are named that
    /// other incident's IC, it waits for them no more.
    @Test func aBareAckWhereTheyAnsweredPointsToThePageThatWaits() async throws {
        let bot = try TestBot()
        try await declare(bot, "/incident declare Checkout is down --sev P1")
        let room = try #require(try await bot.store.read { try $0.roomID(.slack, incident: 1) })
        try await bot.say("U0ALICE01", "/ack", in: room)
        try await declare(bot, "/incident declare Search is down --sev P1")
        let again = try await bot.say("U0ALICE01", "/ack", in: room)
        #expect(again.reply?.plainText() == "You already acknowledged INC-1; nothing more to do. Thank you. Your page for INC-2 waits for an answer: /ack INC-2.",
                "\(String(describing: again.reply?.plainText()))")
        try await bot.say("U0ERIN005", "/ic INC-2 <@U0ALICE01>")
        let named = try await bot.say("U0ALICE01", "/ack", in: room)
        #expect(named.reply?.plainText() == "You already acknowledged INC-1; nothing more to do. Thank you.", "\(String(describing: named.reply?.plainText()))")
        let lobby = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(lobby.reply?.plainText().hasPrefix("No page of yours waits") == true, "\(String(describing: lobby.reply?.plainText()))")
    }

    /// Where the answer is posted for the whole room (Matrix), a private incident's page is
    /// said to wait, not named: the room would learn who it paged.
    @Test func aPrivateIncidentsPageIsNotNamedForAWholeRoom() async throws {
        let bot = try TestBot()
        try await declare(bot, "/incident declare Leaked keys --sev P1 --private")
        try await declare(bot, "/incident declare Search is down --sev P1")
        let room = try #require(try await bot.store.read { try $0.roomID(.slack, incident: 2) })
        func ack(_ id: String) async throws -> EngineOutcome {
            try await bot.engine.handle(ChatEvent(platform: .slack, id: id, room: room, user: "U0ALICE01", text: "/ack", reply: .outboxToRoom))
        }
        _ = try await ack("EvRoom1")
        let again = try await ack("EvRoom2")
        #expect(again.reply?.plainText() == "You already acknowledged INC-2; nothing more to do. Thank you. A page of yours for a private incident "
                + "waits for an answer: the page says how to acknowledge it.", "\(String(describing: again.reply?.plainText()))")
    }

    /// A bare `/ack` in a lobby where the answer is posted for the whole room (Matrix), from
    /// someone paged for two incidents, one private: the list names the public one only, and
    /// says a private one's page waits. It named both, telling the lobby who the private one paged.
    @Test func aLobbysListOfPagesLeavesOutPrivateIncidents() async throws {
        let bot = try TestBot()
        try await declare(bot, "/incident declare Leaked keys --sev P1 --private")
        try await declare(bot, "/incident declare Search is down --sev P1")
        let lobby = try await bot.engine.handle(ChatEvent(platform: .slack, id: "EvLobby1", room: "C0LOBBY", user: "U0ALICE01", text: "/ack",
                                                          reply: .outboxToRoom))
        let text = lobby.reply?.plainText() ?? ""
        #expect(text == "You are paged for 2 incidents; name the one you acknowledge: /ack INC-2; a page of yours for a private incident "
                + "waits too, and says how to answer it.", "\(text)")
        // Answered to the asker alone, both are named.
        let alone = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE").reply?.plainText() ?? ""
        #expect(alone.contains("/ack INC-1 or /ack INC-2"), "\(alone)")
    }

    /// The one page waiting is a private incident's, and the answer is posted for the whole
    /// room (`.outboxToRoom`, as in a Matrix lobby): it is acknowledged, and the room is not
    /// told which incident. "Acknowledged INC-1" told everyone there that a private incident
    /// exists and paged her.
    @Test func aLobbysBareAckOfAPrivateIncidentsPageDoesNotNameIt() async throws {
        let bot = try TestBot()
        try await declare(bot, "/incident declare Leaked keys --sev P1 --private")
        let lobby = try await bot.engine.handle(ChatEvent(platform: .slack, id: "EvLobby2", room: "C0LOBBY", user: "U0ALICE01", text: "/ack",
                                                          reply: .outboxToRoom))
        let text = lobby.reply?.plainText() ?? ""
        #expect(lobby.disposition == .handled, "\(text)")
        #expect(text == "Acknowledged your page for a private incident: its engineering ladder pages nobody further. The incident is not "
                + "named here, where the whole room reads this; its page and its room say the rest.", "\(text)")
        #expect(try await bot.store.read { try $0.incident(1) }?.incident.acknowledgedBy == ["alice"])
    }

    /// Refused there (named IC by someone else, which acknowledged the incident for her, then
    /// the role handed on: her page still asks her, and her answer changes nothing), the
    /// refusal says why without naming the incident, nor blaming where it was typed.
    @Test func aLobbysRefusedBareAckOfAPrivateIncidentsPageDoesNotNameIt() async throws {
        let bot = try TestBot()
        try await declare(bot, "/incident declare Leaked keys --sev P1 --private")
        #expect(try await bot.say("U0ERIN005", "/ic INC-1 @alice").disposition == .handled)
        #expect(try await bot.say("U0ERIN005", "/ic INC-1 @bob").disposition == .handled)
        let lobby = try await bot.engine.handle(ChatEvent(platform: .slack, id: "EvLobby3", room: "C0LOBBY", user: "U0ALICE01", text: "/ack",
                                                          reply: .outboxToRoom))
        let text = lobby.reply?.plainText() ?? ""
        #expect(lobby.disposition == .refused, "\(text)")
        #expect(text.hasPrefix("Your page for a private incident needs nothing more from you: it is acknowledged already.")
                && !text.contains("INC-1") && !text.contains("Leaked"), "\(text)")
        // Typed to her alone, the same answer names it.
        let alone = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE").reply?.plainText() ?? ""
        #expect(alone.contains("INC-1"), "\(alone)")
    }
}
