import IncidentCore
import IncidentEngine
import IncidentTesting
import Synchronization
import Testing

/// Private incidents through the engine and the SQLite store: who sees them in `/incident
/// list`, `/incident status` and `/action list`, and where. INC-1 is private (declared by erin,
/// carol IC), INC-2 public; dave is on the roster but no member of INC-1, grace an admin.
@Suite struct PrivateIncidentEngineTests {
    static let privateRoom = "slack-room-incident-20261124-private"

    func twoIncidents() async throws -> TestBot {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Customer records exposed --sev P1 --ic @carol --private")
        try await bot.say("U0ERIN005", "/incident declare Search slow --sev P2 --ic @carol")
        try await bot.settle()
        return bot
    }

    @Test func theRoomIsAPrivateChannelAndTheBroadcastChannelHearsOnlyThePublicIncident() async throws {
        let bot = try await twoIncidents()
        let created = bot.slack.delivered.compactMap { delivered -> String? in
            if case .createRoom(let name, _, _, let isPrivate) = delivered.job.action { "\(name) private=\(isPrivate)" } else { nil }
        }
        #expect(created == ["incident-20261124-private private=true", "incident-20261124-search-slow private=false"])
        let broadcast = bot.slack.delivered.compactMap { delivered -> String? in
            if case .post(let room, let message) = delivered.job.action, room == "C0BROADCAST" { message.plainText() } else { nil }
        }
        #expect(broadcast.count == 1 && broadcast[0].contains("INC-2") && !broadcast.joined().contains("Customer"), "\(broadcast)")
    }

    /// A broadcast post queued before the incident turned private (here, in the same moment:
    /// nothing was delivered in between) is withdrawn, not sent, and the one who made it private
    /// is told: whoever typed it was told it went to the broadcast channel.
    @Test func aBroadcastPostQueuedBeforeItTurnedPrivateIsNotSent() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Customer records exposed --sev P1 --ic @carol")
        let privately = try await bot.say("U0CAROL03", "/incident private INC-1").reply?.plainText() ?? ""
        #expect(privately.contains("INC-1 is private now.") && privately.contains("Withdrawn: 1 post queued for the broadcast channel"),
                "\(privately)")
        try await bot.settle()
        let broadcast = bot.slack.delivered.filter { if case .post("C0BROADCAST", _) = $0.job.action { true } else { false } }
        #expect(broadcast.isEmpty)
        let failed = try await bot.store.read { try $0.outboxListing(.failed, limit: 10) }
        #expect(failed.contains { $0.lastError?.hasPrefix("withdrawn: INC-1 is private now") == true }, "\(failed.map(\.lastError))")
        // Its room was not made yet: it is made private, under a name that tells nothing. It was
        // made a public channel named after the title, for anyone to join and read.
        let created = bot.slack.delivered.compactMap { delivered -> String? in
            if case .createRoom(let name, _, _, let isPrivate) = delivered.job.action { "\(name) private=\(isPrivate)" } else { nil }
        }
        #expect(created == ["incident-20261124-private private=true"])
        // Found by that name, and named by it in what is sent after.
        let status = try await bot.say("U0CAROL03", "/incident status #incident-20261124-private")
        #expect(status.reply?.plainText().contains("INC-1") == true, "\(String(describing: status.reply?.plainText()))")
        // The answers the adapter shows itself name that room too, not the one never made.
        for query in ["/incident status INC-1", "/incident list"] {
            let text = try await bot.say("U0CAROL03", query).reply?.plainText() ?? ""
            #expect(text.contains("#incident-20261124-private") && !text.contains("customer-records"), "\(query): \(text)")
        }
    }

    /// A broadcast post delivery is sending as the incident turns private is not counted as
    /// withdrawn: it reaches the channel, and the answer says so, and where to look. The
    /// answer said it was withdrawn, and the post landed 52 ms later (audit s78a).
    @Test func aBroadcastPostBeingSentAsItTurnsPrivateIsToldAsSent() async throws {
        let bot = try TestBot()
        let answer = Mutex<String?>(nil)
        bot.slack.whenSending { job in
            guard case .post("C0BROADCAST", _) = job.action, answer.withLock({ $0 == nil }) else { return }
            let told = try? await bot.say("U0CAROL03", "/incident private INC-1").reply?.plainText()
            answer.withLock { $0 = told ?? "" }
        }
        try await bot.say("U0ERIN005", "/incident declare Customer records exposed --sev P1 --ic @carol")
        try await bot.settle()
        let told = try #require(answer.withLock { $0 })
        #expect(told.contains("INC-1 is private now.") && !told.contains("Withdrawn")
                && told.contains("1 post was being sent to the broadcast channel as this came, and may reach it within seconds"), "\(told)")
        let broadcast = bot.slack.delivered.filter { if case .post("C0BROADCAST", _) = $0.job.action { true } else { false } }
        #expect(broadcast.count == 1)
        #expect(try await bot.store.read { try $0.outboxListing(.failed, limit: 10) }.isEmpty)
    }

    /// Posts waiting out an outage behind one that failed are not counted as being sent: a
    /// round claims only the due posts at the front of the lane, and clears the claims it did
    /// not take. All but the first stayed claimed, and the answer said they were being sent.
    @Test func postsWaitingOutAnOutageAreWithdrawnNotCountedAsBeingSent() async throws {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: nil))
        try await bot.say("U0ERIN005", "/incident declare Customer records exposed --sev P1 --ic @carol")
        try await bot.say("U0CAROL03", "/update INC-1 Looking at the bucket")
        await bot.delivery.drain()
        let told = try await bot.say("U0CAROL03", "/incident private INC-1").reply?.plainText() ?? ""
        #expect(told.contains("Withdrawn: 2 posts queued for the broadcast channel") && !told.contains("being sent"), "\(told)")
    }

    /// Two incidents turned private before their rooms were made, beside one declared private,
    /// all on one day: each room gets a name of its own (`-2`, `-3`), as declarations' do. They
    /// all got `incident-…-private`; on the console, where a room's id is its name, the second
    /// creation's record then failed for good and held up every send after it (an audit's P0
    /// page to the on-call never went).
    @Test func roomsMadePrivateBeforeTheyWereMadeGetNamesOfTheirOwn() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Customer records exposed --sev P1 --ic @carol --private")
        try await bot.say("U0ERIN005", "/incident declare Checkout slow --sev P1 --ic @carol")
        try await bot.say("U0ERIN005", "/incident declare Search slow --sev P2 --ic @carol")
        try await bot.say("U0CAROL03", "/incident private INC-2")
        try await bot.say("U0CAROL03", "/incident private INC-3")
        try await bot.settle()
        let created = bot.slack.delivered.compactMap { delivered -> String? in
            if case .createRoom(let name, _, _, true) = delivered.job.action { name } else { nil }
        }
        #expect(created == ["incident-20261124-private", "incident-20261124-private-2", "incident-20261124-private-3"])
        // And a fourth, declared private later, after them.
        try await bot.say("U0ERIN005", "/incident declare Keys leaked --sev P1 --ic @carol --private")
        try await bot.settle()
        let fourth = bot.slack.delivered.compactMap { delivered -> String? in
            if case .createRoom(let name, _, _, true) = delivered.job.action { name } else { nil }
        }.last
        #expect(fourth == "incident-20261124-private-4")
    }

    /// Declared public and made private before its room was made, its room was made private
    /// under a name that tells nothing; made public by an admin and private again, the room is
    /// told so. It was told it was "a public Slack channel" whose "name still tells the title".
    @Test func makingPrivateAgainARoomMadePrivateFromTheStartSaysSo() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Customer records exposed --sev P1 --ic @carol")
        try await bot.say("U0CAROL03", "/incident private INC-1")
        try await bot.settle()
        #expect(try await bot.store.read { try $0.roomID(.slack, incident: 1) } == Self.privateRoom)
        #expect(try await bot.say("U0GRACE07", "/incident public INC-1").disposition == .handled)
        #expect(try await bot.say("U0CAROL03", "/incident private INC-1").disposition == .handled)
        try await bot.settle()
        let posts = bot.slack.delivered.compactMap { item -> String? in
            if case .post(_, let message) = item.job.action { message.plainText() } else { nil }
        }
        let told = try #require(posts.last { $0.contains("made INC-1 private") })
        #expect(told.contains("Its room was made private from the start") && !told.contains("public Slack channel"), "\(told)")
    }

    /// A change to a private incident typed in another incident's room is refused without
    /// naming its room, which may carry the title (made private after its room was made), in
    /// front of everyone in that other room.
    @Test func theRefusalOfAChangeFromAnotherIncidentsRoomDoesNotNameAPrivateRoom() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Customer records exposed --sev P1 --ic @carol")
        try await bot.say("U0ERIN005", "/incident declare Search slow --sev P2 --ic @carol")
        try await bot.settle()
        try await bot.say("U0CAROL03", "/incident private INC-1")
        let otherRoom = try #require(try await bot.store.read { try $0.roomID(.slack, incident: 2) })
        let refusal = try await bot.say("U0CAROL03", "/incident resolve INC-1 fixed", in: otherRoom)
        let text = refusal.reply?.plainText() ?? ""
        #expect(refusal.disposition == .refused && text.contains("its own room") && !text.contains("customer-records"), "\(text)")
    }

    /// On Matrix an answer is posted for the whole room it was typed in: a member's change to a
    /// private incident typed in a lobby was answered there, naming its IC and declarer. It is
    /// refused with one line instead; an acknowledgement (asked for in a direct message) is taken.
    @Test func aChangeToAPrivateIncidentFromAnotherMatrixRoomIsRefused() async throws {
        let bot = try await twoIncidents()
        func matrix(_ user: String, _ text: String) async throws -> EngineOutcome {
            try await bot.engine.handle(ChatEvent(platform: .matrix, id: "$\(user)\(text)", room: "!lobby:localhost", user: user, text: text,
                                                  reply: .outboxToRoom))
        }
        let change = try await matrix("@carol:example.org", "!sev INC-1 P2 contained")
        let text = change.reply?.plainText() ?? ""
        #expect(change.disposition == .refused && text == "INC-1 is private: change it in its room, where the answer is posted.", "\(text)")
        #expect(try await bot.store.read { try $0.incident(1) }?.incident.severity == .p1)
        // An acknowledgement is taken anywhere, but its refusal, posted for the whole lobby,
        // names nobody who was paged.
        let notPaged = try await matrix("@grace:example.org", "!ack INC-1")
        #expect(notPaged.disposition == .refused)
        let answers = try await bot.store.read { try $0.pendingOutbox(limit: 500) }.compactMap { item -> String? in
            if case .reply(let room, _, let message) = item.job, room == "!lobby:localhost" { message.plainText() } else { nil }
        }
        #expect(answers.contains("Only people paged for INC-1 can acknowledge."), "\(answers)")
        let ack = try await matrix("@alice:example.org", "!ack INC-1")
        #expect(ack.disposition == .handled, "\(String(describing: ack.reply?.plainText()))")
    }

    @Test func theListShowsItsDetailsOnlyToMembersAndAdmins() async throws {
        let bot = try await twoIncidents()
        let outsider = try #require(try await bot.say("U0DAVE004", "/incident list").reply?.plainText())
        #expect(outsider.contains("INC-1 P1 investigating · 🔒 private") && !outsider.contains("Customer"), "\(outsider)")
        #expect(outsider.contains("Search slow"))
        for member in ["U0CAROL03", "U0ERIN005", "U0GRACE07"] {
            let list = try #require(try await bot.say(member, "/incident list").reply?.plainText())
            #expect(list.contains("INC-1 P1 investigating · Customer records exposed"), "\(member): \(list)")
        }
        // An answer Matrix would post for the whole lobby shows no details, even to a member.
        let lobby = try await bot.engine.handle(ChatEvent(platform: .slack, id: "EvLobby", room: "C0LOBBY", user: "U0CAROL03",
                                                          text: "/incident list", reply: .outboxToRoom))
        #expect(lobby.reply?.plainText().contains("Customer") == false)
        // In the incident's own room, whoever is there sees it.
        let room = try await bot.engine.handle(ChatEvent(platform: .slack, id: "EvRoom", room: Self.privateRoom, user: "U0DAVE004",
                                                         text: "/incident list", reply: .outboxToRoom))
        #expect(room.reply?.plainText().contains("Customer records exposed") == true)
    }

    @Test func outsidersCannotReadOrChangeItFromOutsideItsRoom() async throws {
        let bot = try await twoIncidents()
        for text in ["/incident status INC-1", "/note INC-1 looking", "/incident escalation INC-1", "/action list INC-1"] {
            let refused = try await bot.say("U0DAVE004", text)
            #expect(refused.disposition == .refused, "\(text)")
            #expect(refused.reply?.plainText() == "INC-1 is private: only its members and incident admins can see or change it.")
        }
        #expect(try await bot.say("U0GRACE07", "/incident status INC-1").disposition == .answered)
        #expect(try await bot.say("U0CAROL03", "/note INC-1 keys rotated").disposition == .handled)
        let lobby = try await bot.engine.handle(ChatEvent(platform: .slack, id: "EvStatus", room: "C0LOBBY", user: "U0CAROL03",
                                                          text: "/incident status INC-1", reply: .outboxToRoom))
        #expect(lobby.reply?.plainText() == "INC-1 is private: ask about it in its room, where the answer is posted.")
        #expect(try await bot.say("U0DAVE004", "/incident status", in: Self.privateRoom).disposition == .answered)
    }

    @Test func actionListsAcrossIncidentsLeaveOutWhatTheAskerMayNotSee() async throws {
        let bot = try await twoIncidents()
        try await bot.say("U0CAROL03", "/action INC-1 @dave Rotate the exposed keys")
        try await bot.say("U0CAROL03", "/action INC-2 @dave Tune the search cache")
        // Owning an item invites dave to INC-1's room: he is a member now.
        let daves = try #require(try await bot.say("U0DAVE004", "/action list --mine").reply?.plainText())
        #expect(daves.contains("INC-1 A1") && daves.contains("INC-2 A1"), "\(daves)")
        let bobs = try #require(try await bot.say("U0BOB0002", "/action list").reply?.plainText())
        #expect(!bobs.contains("INC-1") && bobs.contains("INC-2 A1"), "\(bobs)")
        let carols = try #require(try await bot.say("U0CAROL03", "/action list").reply?.plainText())
        #expect(carols.contains("INC-1 A1") && carols.contains("INC-2 A1"), "\(carols)")
        // On Matrix a lobby's answer is posted for the whole room: carol's own item of the
        // private incident is left out there, and said to be, not answered "none".
        try await bot.say("U0CAROL03", "/action INC-1 @carol Tell legal")
        try await bot.say("U0CAROL03", "/action INC-2 @carol Write the search runbook")
        _ = try await bot.engine.handle(ChatEvent(platform: .matrix, id: "$mine", room: "!lobby:localhost", user: "@carol:example.org",
                                                  text: "!action list --mine", reply: .outboxToRoom))
        let answers = try await bot.store.read { try $0.pendingOutbox(limit: 500) }.compactMap { item -> String? in
            if case .reply(let room, _, let message) = item.job, room == "!lobby:localhost" { message.plainText() } else { nil }
        }
        let mine = answers.last ?? ""
        #expect(mine.contains("INC-2 A2") && !mine.contains("INC-1") && !mine.contains("legal")
                && mine.contains("1 more of yours, in private incidents, are not shown here: /action list INC-N in their rooms shows them."),
                "\(answers)")
    }
}

/// A room made under another name than its incident's (the name was taken on the platform).
@Suite struct RenamedRoomTests {
    /// What is sent once the room is made names it, on chat and off (a text to the VP), and
    /// the name finds the incident.
    @Test func whatIsSentAfterTheRoomIsMadeNamesIt() async throws {
        let bot = try TestBot(pagers: [.voice, .sms])
        bot.slack.behave(.takenRoomNames)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let made = "incident-20261124-payment-api-errors-2"
        #expect(try await bot.store.read { try $0.roomID(.slack, incident: 1) } == "slack-room-\(made)")
        // Raised to P0: the VP engineering is paged at once, by phone first.
        let raised = try await bot.say("U0CAROL03", "/sev INC-1 P0 card payments failing")
        #expect(raised.disposition == .handled)
        try await bot.settle()
        let calls = try #require(bot.pagers[.voice]).delivered.compactMap { item -> String? in
            if case .directMessage(_, let message) = item.job.action { message.plainText() } else { nil }
        }
        #expect(!calls.isEmpty && calls.allSatisfy { $0.contains("#\(made)") }, "\(calls)")
        let status = try await bot.say("U0REPORTER", "/incident status #\(made)")
        #expect(status.reply?.plainText().contains("INC-1") == true)
    }

    /// The declaration's own page and announcement go in the round that makes the room,
    /// before it is recorded: they name the room made, not the taken name (someone else's
    /// room, which an on-call engineer would join).
    @Test func theFirstPageAndTheAnnouncementNameTheRoomMade() async throws {
        let bot = try TestBot()
        bot.slack.behave(.takenRoomNames)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let made = "#incident-20261124-payment-api-errors-2"
        let page = try #require(bot.slack.delivered.first { $0.job.page != nil })
        guard case .directMessage(_, let message) = page.job.action else { Issue.record("a page is a direct message"); return }
        #expect(message.plainText().contains(made), "\(message.plainText())")
        let announcement = try #require(bot.slack.posts(in: TestBot.broadcast[.slack]!).first)
        #expect(announcement.contains(made), "\(announcement)")
    }

    /// The post-mortem draft's timeline names the room made: its declaration's entry named the
    /// taken name, someone else's channel.
    @Test func thePostmortemDraftNamesTheRoomMade() async throws {
        let bot = try TestBot()
        bot.slack.behave(.takenRoomNames)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let draft = try #require(try await bot.say("U0CAROL03", "/incident postmortem INC-1").reply?.plainText())
        #expect(draft.contains("as INC-1 in #incident-20261124-payment-api-errors-2."), "\(draft)")
        #expect(!draft.contains("#incident-20261124-payment-api-errors."), "\(draft)")
    }
}
