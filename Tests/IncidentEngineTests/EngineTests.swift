import IncidentCore
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Testing

@Suite struct EngineTests {
    static let room = ScenarioTests.room

    func outboxCount(_ bot: TestBot) async throws -> Int {
        try await bot.store.read { try $0.pendingOutbox(limit: 10_000).count + $0.finishedOutbox(limit: 10_000).count }
    }

    @Test func aRepeatedEventIDIsAcknowledgedAndIgnored() async throws {
        let bot = try TestBot()
        let first = try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1", eventID: "Ev1")
        let queued = try await outboxCount(bot)
        let again = try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1", eventID: "Ev1")
        #expect(first.disposition == .handled)
        #expect(again.disposition == .duplicate)
        #expect(try await bot.store.read { try $0.openIncidents().count } == 1)
        #expect(try await outboxCount(bot) == queued)
        // The same id on another platform is another event.
        let matrix = try await bot.say("@alice:example.org", "/incident list", platform: .matrix, eventID: "Ev1")
        #expect(matrix.disposition == .answered)
    }

    /// A refusal that quotes what someone typed cannot ping the whole room with it.
    @Test(arguments: ["/ic INC-1 @room", "/ic INC-1 @channel", "/incident declare --sev @here", "/sev INC-1 @everyone"])
    func refusalsQuotingTypedTextPingNobody(text: String) async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        let outcome = try await bot.say("U0ERIN005", text)
        #expect(outcome.disposition == .refused)
        let reply = try #require(outcome.reply?.plainText())
        #expect(reply.contains("@\u{2060}"), "\(reply)")
        for word in ["@room", "@channel", "@here", "@everyone"] { #expect(!reply.contains(word), "\(reply)") }
    }

    /// `/incident resolve INC-1 duplicate`, typed in INC-2's room, most likely means INC-2: a
    /// change to another incident from an incident's room is refused, so a leading number
    /// cannot resolve the wrong incident and stop its pages. An answer to a page, and a
    /// question, are taken as they come.
    @Test func aChangeToAnotherIncidentFromAnIncidentsRoomIsRefused() async throws {
        let bot = try TestBot()
        try await bot.say("U0CAROL03", "/incident declare Payment API errors --sev P1")
        try await bot.say("U0CAROL03", "/incident declare Checkout slow --sev P2")
        let second = "incident-20261124-checkout-slow"
        let before = try await outboxCount(bot)
        for text in ["/incident resolve INC-1 duplicate", "/update INC-1 rolling back", "/sev INC-1 P3",
                     "/incident resolve INC-1: duplicate", "/update INC-1, rolling back", "/note INC-1. seen"] {
            let outcome = try await bot.say("U0CAROL03", text, in: second)
            #expect(outcome.disposition == .refused, "\(text)")
            #expect(outcome.reply?.plainText().contains("This is INC-2's room") == true, "\(outcome.reply?.plainText() ?? "")")
        }
        // A reference that names no incident is refused too, never read as the text.
        for text in ["/incident resolve INC-0: dup", "/incident resolve INC-1x dup", "/update INC-99999999999999999999 x"] {
            let outcome = try await bot.say("U0CAROL03", text, in: second)
            #expect(outcome.disposition == .refused, "\(text)")
            #expect(outcome.reply?.plainText().contains("is not an incident number") == true, "\(outcome.reply?.plainText() ?? "")")
        }
        // Written as tickets and chat markup write one, or with the dash left out: each resolved INC-2.
        for (text, says) in [("/incident resolve [INC-1] duplicate of INC-2", "reads as a reference to an incident in marks"),
                             ("/incident resolve *INC-1* dup", "in marks"), ("/incident resolve `INC-1` dup", "in marks"),
                             ("/incident resolve \"INC-1\" dup", "in marks"), ("/incident resolve (INC-1) dup", "in marks"),
                             ("/incident resolve INC1 dup", "is not an incident number"), ("/incident resolve #1 dup", "is not an incident number"),
                             ("/incident resolve INC 1 dup", "is not an incident number"), ("/note [#incident-20261124-payment-api-errors] x", "in marks")] {
            let outcome = try await bot.say("U0CAROL03", text, in: second)
            #expect(outcome.disposition == .refused, "\(text)")
            #expect(outcome.reply?.plainText().contains(says) == true, "\(text): \(outcome.reply?.plainText() ?? "")")
        }
        #expect(try await outboxCount(bot) == before)
        #expect(try await bot.store.read { try $0.incident(1) }?.incident.phase == .investigating)
        #expect(try await bot.store.read { try $0.incident(2) }?.incident.phase == .investigating)
        #expect(try await bot.say("U0CAROL03", "/incident status INC-1", in: second).disposition == .answered)
        #expect(try await bot.say("U0ALICE01", "/ack INC-1", in: second).disposition == .handled)
        // Typed in its own room, or a lobby, the change is made.
        #expect(try await bot.say("U0CAROL03", "/sev INC-1 P2", in: "incident-20261124-payment-api-errors").disposition == .handled)
    }

    @Test func refusalsChangeNothing() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        let before = try await outboxCount(bot)
        let cases: [(String, String, String)] = [
            ("U0REPORTER", "/update INC-7 nothing", "There is no INC-7"),
            // Nothing waits for this person's answer: said so, not that the room is the wrong one.
            ("U0REPORTER", "/ack", "No page of yours waits for an acknowledgement: each that reached you is answered, or is a business ladder's"),
            ("U0REPORTER", "/sev P2", "name the incident, as in /sev INC-42 P2,"),
            ("U0REPORTER", "/incident resolve", "name the incident, as in /incident resolve INC-42,"),
            ("U0REPORTER", "/incident postmortem", "name the incident, as in /incident postmortem INC-42,"),
            // An IC of several incidents is shown the command they typed, naming one.
            ("U0REPORTER", "/incident snooze 30m", "name the incident, as in /incident snooze INC-42 30m,"),
            ("U0REPORTER", "/incident snooze off", "name the incident, as in /incident snooze INC-42 off,"),
            ("U0REPORTER", "/incident call off", "name the incident, as in /incident call INC-42 off,"),
            ("U0REPORTER", "/incident started 01:40", "name the incident, as in /incident started INC-42 09:42,"),
            ("U0REPORTER", "/incident private", "name the incident, as in /incident private INC-42,"),
            ("U0REPORTER", "/incident close", "name the incident, as in /incident close INC-42,"),
            ("U0REPORTER", "/role comms @carol", "name the incident, as in /role INC-42 comms @someone,"),
            ("U0REPORTER", "/action done A3", "name the incident, as in /action done INC-42 A3,"),
            ("U0DAVE004", "/sev INC-1 P0", "Only the incident commander (@carol)"),
            ("U0DAVE004", "/ack INC-1", "Only people paged for INC-1"),
            ("U0ERIN005", "/incident declare x --ic @zed", "I don't know @zed"),
            ("U0REPORTER", "/incident declare x --ic @alice", "Only people on the roster can name an incident commander"),
            ("U0NOBODY1", "/ic INC-1 <@U0NOBODY2>", "Only people on the roster can change INC-1 from outside its room"),
            ("U0NOBODY1", "/update INC-1 all fine", "Only people on the roster can change INC-1 from outside its room"),
            ("U0REPORTER", "/sev INC-1 P7", "P7"),
        ]
        for (user, text, reason) in cases {
            let outcome = try await bot.say(user, text)
            #expect(outcome.disposition == .refused, "\(text)")
            #expect(outcome.reply?.plainText().contains(reason) == true, "\(text): \(outcome.reply?.plainText() ?? "no reply")")
        }
        #expect(try await outboxCount(bot) == before)
        #expect(try await bot.store.read { try $0.nextIncidentNumber() } == 2)
        let severity = try await bot.store.read { try $0.incident(1)?.incident.severity }
        #expect(severity == Severity.p1)
    }

    @Test func aSyncBatchCommitsItsCommandsWithItsToken() async throws {
        let bot = try TestBot()
        func event(_ id: String, _ text: String) -> ChatEvent {
            ChatEvent(platform: .matrix, id: id, room: "!lobby:localhost", user: "@alice:example.org", text: text, reply: .outboxToRoom)
        }
        let batch = [event("$1", "good morning"), event("$2", "!incident declare Payment API errors --sev P1"),
                     event("$3", "!note INC-1 checking the load balancer")]
        #expect(try await bot.store.read { try $0.syncToken(.matrix) } == nil)
        let outcomes = try await bot.engine.handle(batch, checkpoint: SyncCheckpoint(platform: .matrix, token: "s1"))
        #expect(outcomes.map(\.disposition) == [.ignored, .handled, .handled])
        #expect(try await bot.store.read { try $0.syncToken(.matrix) } == "s1")
        let notes = try await bot.store.read { try $0.timeline(incident: 1).filter { $0.kind == .note }.count }
        #expect(notes == 1)
        // The same events again (a homeserver replaying a batch): their event ids are known, so
        // nothing runs twice; the token still moves on.
        let queued = try await outboxCount(bot)
        let again = try await bot.engine.handle(batch, checkpoint: SyncCheckpoint(platform: .matrix, token: "s2"))
        #expect(again.map(\.disposition) == [.ignored, .duplicate, .duplicate])
        #expect(try await bot.store.read { try $0.syncToken(.matrix) } == "s2")
        #expect(try await outboxCount(bot) == queued)
        // A batch with no commands still stores its token.
        _ = try await bot.engine.handle([event("$4", "thanks all")], checkpoint: SyncCheckpoint(platform: .matrix, token: "s3"))
        #expect(try await bot.store.read { try $0.syncToken(.matrix) } == "s3")
    }

    @Test func aNoticeIsWrittenWithItsBatchOncePerEvent() async throws {
        let bot = try TestBot()
        let unreadable = ChatEvent(platform: .matrix, id: "$enc1", room: "!secret:localhost", user: "@alice:example.org", text: "",
                                   reply: .outboxToRoom)
        let notice = Notice(Message(.text("I cannot read this room.")), answering: unreadable)
        for token in ["s1", "s2"] {
            _ = try await bot.engine.handle([], checkpoint: SyncCheckpoint(platform: .matrix, token: token), notices: [notice])
        }
        #expect(try await bot.store.read { try $0.syncToken(.matrix) } == "s2")
        await bot.delivery.drain()
        #expect(bot.matrix.delivered.compactMap {
            if case .reply(let room, _, let message) = $0.job.action { "\(room) \(message.plainText())" } else { nil }
        } == ["!secret:localhost I cannot read this room."])
    }

    @Test func aCommandTypedInItsIncidentRoomOnMatrixIsAnsweredByThePostNotASecondMessage() async throws {
        let bot = try TestBot()
        try await bot.say("@alice:example.org", "!incident declare Payment API errors --sev P1", in: "!lobby:localhost", platform: .matrix)
        try await bot.settle()
        let room = try #require(try await bot.store.read { try $0.roomID(.matrix, incident: 1) })
        func typed(_ id: String, _ text: String, in room: String) async throws -> EngineOutcome {
            try await bot.engine.handle([ChatEvent(platform: .matrix, id: id, room: room, user: "@alice:example.org", text: text,
                                                   reply: .outboxToRoom)], checkpoint: nil)[0]
        }
        func messages(in room: String) -> [String] {
            bot.matrix.delivered.compactMap {
                switch $0.job.action {
                case .post(let id, let message) where id == room, .reply(let id, _, let message) where id == room: message.plainText()
                default: nil
                }
            }
        }
        let before = messages(in: room).count
        // In the incident room: the severity post is the answer.
        #expect(try await typed("$1", "!sev P0", in: room).reply == nil)
        try await bot.settle()
        #expect(messages(in: room).count == before + 1)
        #expect(messages(in: room).last?.contains("P0") == true)
        // From the lobby, naming the incident: the confirmation is what the lobby sees.
        #expect(try await typed("$2", "!note INC-1 checking the load balancer", in: "!lobby:localhost").reply != nil)
        try await bot.settle()
        #expect(messages(in: "!lobby:localhost").last == "Noted on the INC-1 timeline.")
        // A query or a refusal is always answered.
        #expect(try await typed("$3", "!sev P9", in: room).reply != nil)
    }

    @Test func aMirroredIncidentHasARoomOnBothPlatformsAndCommandsWorkInEither() async throws {
        let bot = try TestBot(mirror: true)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        func rooms(_ transport: RecordingTransport) -> [String] {
            transport.delivered.compactMap { if case .createRoom(let name, _, _, _) = $0.job.action { name } else { nil } }
        }
        #expect(rooms(bot.slack) == ["incident-20261124-payment-api-errors"])
        #expect(rooms(bot.matrix) == ["incident-20261124-payment-api-errors"])
        let matrixRoom = try #require(try await bot.store.read { try $0.roomID(.matrix, incident: 1) })
        // An update typed in the Matrix room is posted in both rooms and both broadcast rooms.
        let posted = { (transport: RecordingTransport) in
            transport.delivered.filter { if case .post(_, let message) = $0.job.action { message.plainText().contains("recovering") } else { false } }.count
        }
        #expect(try await bot.say("@alice:example.org", "!update rolled back status: recovering", in: matrixRoom, platform: .matrix)
            .disposition == .handled)
        try await bot.settle()
        #expect(posted(bot.slack) == 2)
        #expect(posted(bot.matrix) == 2)
        // Without mirroring an incident stays on its home platform.
        let single = try TestBot()
        try await single.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await single.settle()
        #expect(rooms(single.matrix).isEmpty)
    }

    @Test func plainChatIsIgnored() async throws {
        let bot = try TestBot()
        #expect(try await bot.say("U0REPORTER", "is the database down?").disposition == .ignored)
    }

    @Test func queriesAnswerWithoutChangingAnything() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let before = try await outboxCount(bot)
        let status = try await bot.say("U0REPORTER", "/incident status", in: Self.room)
        #expect(status.disposition == .answered)
        #expect(status.reply?.plainText().contains("INC-1 (P1)") == true)
        let forecast = try await bot.say("U0REPORTER", "/incident escalation INC-1")
        #expect(forecast.reply?.plainText().contains("@bob") == true)
        let list = try await bot.say("U0REPORTER", "/incident list")
        #expect(list.reply?.plainText().contains("Open incidents (1)") == true)
        let draft = try await bot.say("U0REPORTER", "/incident postmortem #incident-20261124-payment-api-errors")
        #expect(draft.reply?.plainText().contains("# Post-mortem: INC-1") == true)
        #expect(try await outboxCount(bot) == before)
    }

    @Test func repliesTravelThroughTheOutboxWhenThePlatformWantsMessages() async throws {
        let bot = try TestBot()
        let event = ChatEvent(platform: .matrix, id: "$e1", room: "!lobby:localhost", user: "@alice:example.org",
                              text: "!incident list", reply: .outboxToRoom)
        _ = try await bot.engine.handle(event)
        await bot.delivery.drain()
        let replies = bot.matrix.delivered.compactMap { item -> String? in
            guard case .reply(let room, let user, let message) = item.job.action else { return nil }
            return "\(room) \(user) \(message.plainText())"
        }
        #expect(replies == ["!lobby:localhost @alice:example.org No open incidents."])
    }

    @Test func seenEventIDsArePrunedAfterTheRetention() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident list", eventID: "old")
        bot.clock.advance(by: .days(8))
        #expect(try await bot.engine.pruneSeenEvents() == 1)
        #expect(try await bot.store.read { try $0.isSeen(.slack, eventID: "old") } == false)
    }
}
