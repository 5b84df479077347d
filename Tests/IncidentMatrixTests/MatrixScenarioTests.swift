import Foundation
import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentSQLite
import IncidentTesting
import IncidentWire
import Logging
import MatrixSynapse
import Testing

/// Responders on a real Synapse type commands; the bot (in this process, on a manual clock)
/// answers through the same homeserver.
@Suite(.serialized) struct MatrixScenarioTests {
    /// A title no other test declares: every test's bot shares the homeserver, and its room's
    /// alias goes to whichever declares it first.
    static let room = "incident-20261124-card-payments-declined"

    @Test func aResponderDeclaresAndRunsAnIncidentFromMatrix() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()

        try await reporter.say("!incident declare Card payments declined --sev P1", in: lobby)
        let answer = try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        #expect(answer["content"]?["format"] == "org.matrix.custom.html")
        let room = try await bot.room(alias: Self.room)
        // The declarer is invited, and the room is named and has a topic.
        try await bot.waitUntil("the declarer is invited") { try await reporter.invitations().contains { $0.room == room } }
        try await reporter.join(room)
        try await reporter.waitForNotice(in: room, from: bot.bot.user, containing: "Card payments declined")
        let name = try await reporter.call(.GET, "rooms/\(MatrixClient.segment(room))/state/m.room.name/")
        #expect(name["name"]?.string == Self.room)
        let topic = try await reporter.call(.GET, "rooms/\(MatrixClient.segment(room))/state/m.room.topic/")
        #expect(topic["topic"]?.string?.contains("P1") == true)

        // The reporter is not on the roster, so cannot name the IC (it would stop the page);
        // carol, who is, names herself from her lobby, raises the severity, posts an update;
        // alice acks.
        try await reporter.say("!ic \(bot.mxid("carol"))", in: room)
        try await reporter.waitForNotice(in: room, from: bot.bot.user, containing: "Until INC-1 has an incident commander")
        let carol = try bot.user("carol")
        try await carol.say("!ic INC-1 \(bot.mxid("carol"))", in: try await bot.lobby(of: "carol"))
        try await bot.waitUntil("carol is invited") { try await carol.invitations().contains { $0.room == room } }
        try await carol.join(room)
        try await carol.say("!sev P0 checkout is failing too", in: room)
        try await carol.waitForNotice(in: room, from: bot.bot.user, containing: "P0")
        // The IC's power level lets them change the topic themselves.
        _ = try await carol.call(.PUT, "rooms/\(MatrixClient.segment(room))/state/m.room.topic/", body: ["topic": "carol's topic"])
        try await carol.say("!update Rolled back the deploy status: recovering <b>bold</b> @room", in: room)
        let update = try await carol.waitForNotice(in: room, from: bot.bot.user, containing: "Rolled back")
        let html = try #require(update["content"]?["formatted_body"]?.string)
        #expect(html.contains("&lt;b&gt;bold&lt;/b&gt;"))
        #expect(!html.contains("<b>bold"))
        let body = update["content"]?["body"]?.string ?? ""
        #expect(!body.contains("@room"))
        #expect(update["content"]?["m.mentions"]?["room"] == nil)

        let alice = try bot.user("alice")
        try await alice.join(room)
        try await alice.say("!ack", in: room)
        // Carol's naming herself IC acknowledged first; alice's is answered as the second.
        try await alice.waitForNotice(in: room, from: bot.bot.user, containing: "Also acknowledged INC-1; @carol had acknowledged it before")
        try await carol.say("!incident resolve rollback fixed it", in: room)
        try await carol.waitForNotice(in: room, from: bot.bot.user, containing: "INC-1 is resolved")
        let stored = try await bot.current.store.read { try $0.incident(1) }
        #expect(stored?.incident.phase == .resolved)
        #expect(stored?.incident.roles[.commander] == PersonID("carol"))
    }

    @Test func pagesArriveAsDirectMessagesOnTheRightMinutes() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let lobby = try await bot.lobby()
        try await bot.user("reporter").say("!incident declare Payment API errors --sev P1", in: lobby)
        try await bot.user("reporter").waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        try await bot.settle()
        let alice = try bot.user("alice")
        let bob = try bot.user("bob")
        let me = bot.bot.user
        // Minute 0: the on-call engineer (and the operations manager) are paged, the team lead not yet.
        let first = try await alice.directNotices(from: me)
        #expect(first.count == 1)
        #expect(first.first?.contains("INC-1") == true)
        #expect(try await bot.user("erin").directNotices(from: me).count == 1)
        // A P1 reaches the team lead at minute 30, the engineering manager at 60.
        try await bot.run(toMinute: 29)
        #expect(try await bob.directNotices(from: me).isEmpty)
        try await bot.run(toMinute: 30)
        let bobs = try await bob.directNotices(from: me)
        #expect(bobs.count == 1)
        #expect(bobs.first?.contains("INC-1") == true)
        // A second page reuses the same DM room: still one room with the bot, now two pages.
        try await bot.run(toMinute: 60)
        let carol = try bot.user("carol")
        #expect(try await carol.directNotices(from: me).count == 1)
        try await bot.run(toMinute: 90)
        #expect(try await carol.directNotices(from: me).count == 2)
        // Pages are m.text, which the default push rules notify for; a bot's m.notice they keep
        // silent (.m.rule.suppress_notices). Carol's second page, in the DM she joined, notified her.
        let notified = try await carol.call(.GET, "notifications")["notifications"]?.array ?? []
        let bodies = notified.compactMap { $0["event"]?["content"]?["body"]?.string }
        #expect(bodies.contains { $0.hasPrefix("🔔 INC-1") }, "\(bodies)")
        #expect(try await alice.directNotices(from: me).count == 1)
    }

    @Test func thePagedPeopleAreInvitedToTheRoomTheirPageNames() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        // A title of its own: the homeserver is shared, and an alias names one room.
        try await reporter.say("!incident declare Paged people come in --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        try await bot.settle()
        let room = try await bot.room(alias: "incident-20261124-paged-people-come-in")
        // The on-call engineer and the operations manager, paged at minute 0, can open the room.
        try await bot.waitForDelivery()
        for person in ["alice", "erin"] {
            let user = try bot.user(person)
            try await bot.waitUntil("\(person) is invited") { try await user.invitations().contains { $0.room == room } }
            try await user.join(room)
        }
        // Paged people join as responders; the declarer made the room.
        let levels = try await bot.bot.call(.GET, "rooms/\(MatrixClient.segment(room))/state/m.room.power_levels/")
        #expect(levels["users"]?[bot.mxid("alice")]?.int == 50)
        // The page links the room it names (a room pill that opens it); its plain body names it.
        let alice = try bot.user("alice")
        let direct = try #require(try await alice.directRoom(from: bot.bot.user))
        let page = try #require(try await alice.messages(in: direct).compactMap { $0["content"] }.first {
            $0["body"]?.string?.contains("You are paged") == true
        })
        #expect(page["formatted_body"]?.string?.contains("<a href=\"https://matrix.to/#/\(room)\">#incident-20261124-paged-people-come-in</a>") == true,
                "\(page["formatted_body"]?.string ?? "")")
        #expect(page["body"]?.string?.contains("#incident-20261124-paged-people-come-in") == true)
    }

    @Test func aSecondDeclarationWithTheSameTitleGetsTheNextSuffix() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        // Another bot's incident (a tag of its own) may already hold the plain alias on this
        // shared homeserver; what matters is that the two incidents here get distinct rooms.
        try await reporter.say("!incident declare Search is slow --sev P2", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        // Past the ten minutes in which the same title is taken for the same incident.
        bot.clock.advance(to: TestConfig.at(11))
        try await reporter.say("!incident declare Search is slow --sev P2", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-2")
        try await bot.waitForDelivery()
        let first = try await bot.current.store.read { try $0.roomID(.matrix, incident: 1) }
        let second = try await bot.current.store.read { try $0.roomID(.matrix, incident: 2) }
        #expect(first != nil && second != nil && first != second)
        #expect(try await reporter.resolve("#incident-20261124-search-is-slow-2:localhost") == second)
    }

    @Test func historyBeforeTheFirstStartEditsAndOtherTextAreNotRun() async throws {
        let synapse = try await SharedSynapse.get()
        let bot = try await MatrixHarness.start(on: synapse)
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        await bot.stopBot()
        // While the bot is down nothing is lost: this is after its first start.
        try await reporter.say("!incident declare Typed while the bot was down --sev P3", in: lobby)
        try await bot.startBot()
        defer { Task { await bot.stopBot() } }
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        // Plain chat, a notice, an edit of a command: none is run.
        try await reporter.say("we should !incident declare something", in: lobby)
        let original = try await reporter.say("!incident declare Original title --sev P3", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-2")
        try await reporter.say("* !incident declare Edited title --sev P3", in: lobby, content: [
            "m.new_content": ["msgtype": "m.text", "body": "!incident declare Edited title --sev P3"],
            "m.relates_to": ["rel_type": "m.replace", "event_id": .string(original)],
        ])
        // Its author is told the edit was not carried out.
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "An edited message is not run as a command")
        try await reporter.say("!incident list", in: lobby)
        let list = try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "Original title")
        let listed = list["content"]?["body"]?.string ?? ""
        #expect(!listed.contains("Edited"))
        #expect(try await bot.current.store.read { try $0.openIncidents().count } == 2)
    }

    /// Someone on the roster is told of every edit that is not run, as of every refusal: a
    /// served account's edit just before, in the same room, used up the minute's answer, and a
    /// responder who edited `!sev P1` into `!sev P0` was left believing the incident was a P0.
    @Test func aResponderIsToldOfTheirEditAfterAnotherAccountsInTheSameMinute() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let carol = try bot.user("carol")
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby(of: "carol")
        _ = try await carol.call(.POST, "rooms/\(MatrixClient.segment(lobby))/invite", body: ["user_id": .string(reporter.user)])
        try await reporter.join(lobby)
        func edit(_ user: MatrixTestUser, into text: String) async throws {
            let original = try await user.say("just chatting", in: lobby)
            try await user.say("* " + text, in: lobby, content: [
                "m.new_content": ["msgtype": "m.text", "body": .string(text)],
                "m.relates_to": ["rel_type": "m.replace", "event_id": .string(original)],
            ])
        }
        try await edit(reporter, into: "!incident status INC-7")
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "!incident status INC-7 was not carried out")
        try await edit(carol, into: "!incident status INC-8")
        try await carol.waitForNotice(in: lobby, from: bot.bot.user, containing: "!incident status INC-8 was not carried out")
    }

    @Test func commandsInABusyRoomWhileTheBotWasDownAreAllRunInOrder() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        // carol is on the roster: her notes typed in a lobby are taken.
        let reporter = try bot.user("carol")
        let lobby = try await bot.lobby(of: "carol")
        try await reporter.say("!incident declare Busy room --sev P3", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        try await bot.settle()
        await bot.stopBot()
        // 160 messages while the bot is down: more than a sync timeline holds (100), so the
        // first commands are only in the gap the bot must fetch.
        let commandsAt = [1, 2, 59, 120, 160]
        for n in 1...160 {
            try await reporter.say(commandsAt.contains(n) ? "!note INC-1 typed as message \(n)" : "chatter \(n)", in: lobby)
        }
        try await bot.startBot()
        defer { Task { await bot.stopBot() } }
        let notes = try await bot.waitFor("every note is run", seconds: 30) { () async throws -> [String]? in
            let notes = try await bot.current.store.read { try $0.timeline(incident: 1).filter { $0.kind == .note }.map(\.text) }
            return notes.count >= commandsAt.count ? notes : nil
        }
        #expect(notes == commandsAt.map { "typed as message \($0)" })
        try await bot.settle()
        #expect(try await bot.current.store.read { try $0.timeline(incident: 1).filter { $0.kind == .note }.count } == commandsAt.count)
    }

    @Test func anEncryptedRoomIsToldTheBotCannotReadItOnceAnHour() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let encryption: JSONValue = ["type": "m.room.encryption", "state_key": "", "content": ["algorithm": "m.megolm.v1.aes-sha2"]]
        func sendEncrypted(in room: String, _ txn: String) async throws {
            _ = try await reporter.call(.PUT, "rooms/\(MatrixClient.segment(room))/send/m.room.encrypted/\(txn)", body: [
                "algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnAcommand", "sender_key": "k", "session_id": "s", "device_id": "D",
            ])
        }
        func told(_ room: String) async throws -> Int {
            try await reporter.notices(in: room, from: bot.bot.user).filter { $0.contains("end-to-end encrypted") }.count
        }
        // Invited to an encrypted room (Element's default for private rooms): it says so on joining.
        let created = try await reporter.call(.POST, "createRoom", body: [
            "preset": "private_chat", "invite": [.string(bot.bot.user)], "initial_state": [encryption],
        ])
        let room = try #require(created["room_id"]?.string)
        try await reporter.waitForNotice(in: room, from: bot.bot.user, containing: "end-to-end encrypted")
        try await sendEncrypted(in: room, "e1")

        // An event of the encrypted type in a room that is not (anyone may send one) gets no
        // notice: it had the bot tell an incident's room its commands were not run.
        let lobby = try await bot.lobby()
        try await sendEncrypted(in: lobby, "fake")
        try await reporter.say("!incident list", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "No open incidents")
        #expect(try await told(lobby) == 0)

        // A lobby that turns encryption on later: its first encrypted message gets the notice.
        _ = try await reporter.call(.PUT, "rooms/\(MatrixClient.segment(lobby))/state/m.room.encryption/", body: encryption["content"])
        try await sendEncrypted(in: lobby, "e2")
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "end-to-end encrypted")
        // The first room's encrypted message was read before the lobby's: within the hour, no repeat.
        #expect(try await told(room) == 1)
        #expect(try await bot.current.store.read { try $0.openIncidents().count } == 0)

        // An hour on, the next encrypted message is answered again.
        bot.clock.advance(by: .seconds(3_601))
        try await sendEncrypted(in: room, "e3")
        try await bot.waitUntil("the room is told again") { try await told(room) == 2 }
    }

    /// A stored sync position the homeserver never gave (the database moved to another one):
    /// the bot syncs from now on instead of retrying it for good and reading nothing again.
    @Test func aSyncPositionTheHomeserverDoesNotKnowIsLeftForNow() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        await bot.stopBot()
        try await SQLiteStore(path: bot.databasePath).write { try $0.setSyncToken(.matrix, "garbage") }
        try await bot.startBot()
        defer { Task { await bot.stopBot() } }
        try await reporter.say("!incident list", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "No open incidents.")
        #expect(try await bot.current.store.read { try $0.syncToken(.matrix) } != "garbage")
    }

    @Test func aFreshDatabaseDoesNotActOnHistory() async throws {
        let synapse = try await SharedSynapse.get()
        let bot = try await MatrixHarness.start(on: synapse)
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Before the new database --sev P3", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        // A new database (no stored since-token): the old command is history, not run again.
        await bot.stopBot()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: bot.databasePath + suffix) }
        try await bot.startBot()
        defer { Task { await bot.stopBot() } }
        try await reporter.say("!incident list", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "No open incidents.")
        #expect(try await bot.current.store.read { try $0.openIncidents().count } == 0)
    }
}
