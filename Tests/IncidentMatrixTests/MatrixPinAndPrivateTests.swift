import Foundation
import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentRules
import IncidentTesting
import IncidentWire
import MatrixSynapse
import Testing

/// On a real Synapse: a private incident's room, and a timeline built from 📌 reactions.
@Suite(.serialized) struct MatrixPinAndPrivateTests {
    @Test func aPrivateIncidentMakesAnInviteOnlyUnpublishedRoomClosedToGuests() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Customer records exposed --sev P1 --private", in: lobby)
        let answer = try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        #expect(answer["content"]?["body"]?.string?.contains("Customer") == false)
        let room = try await bot.waitFor("the room is made") { try await bot.current.store.read { try $0.roomID(.matrix, incident: 1) } }
        try await bot.waitUntil("the declarer is invited") { try await reporter.invitations().contains { $0.room == room } }
        try await reporter.join(room)
        let path = "rooms/\(MatrixClient.segment(room))/state"
        // Named for nothing (another harness on this shared homeserver may hold the plain name).
        #expect(try await reporter.call(.GET, "\(path)/m.room.name/")["name"]?.string?.hasPrefix("incident-20261124-private") == true)
        #expect(try await reporter.call(.GET, "\(path)/m.room.join_rules/")["join_rule"]?.string == "invite")
        #expect(try await reporter.call(.GET, "\(path)/m.room.guest_access/")["guest_access"]?.string == "forbidden")
        let listed = try await reporter.call(.GET, "directory/list/room/\(MatrixClient.segment(room))")
        #expect(listed["visibility"]?.string == "private")
        try await reporter.waitForNotice(in: room, from: bot.bot.user, containing: "Customer records exposed")
        // The declarer is off the roster: invited, not made a responder (roster people are), so
        // they may neither set the topic nor open the room to anyone.
        #expect((try await reporter.call(.GET, "\(path)/m.room.power_levels/")["users"]?[reporter.user]?.int ?? 0) < 50)
        for (type, content) in [("m.room.topic", ["topic": "all clear, stand down"]), ("m.room.join_rules", ["join_rule": "public"]),
                                ("m.room.guest_access", ["guest_access": "can_join"])] as [(String, JSONValue)] {
            do {
                _ = try await reporter.call(.PUT, "\(path)/\(type)/", body: content)
                Issue.record("an account off the roster changed \(type)")
            } catch {
                #expect("\(error)".contains("M_FORBIDDEN"), "\(error)")
            }
        }
        #expect(try await reporter.call(.GET, "\(path)/m.room.join_rules/")["join_rule"]?.string == "invite")

        // In the lobby, where Matrix answers for the whole room, the list shows no title.
        try await reporter.say("!incident list", in: lobby)
        let list = try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "Open incidents")
        #expect(list["content"]?["body"]?.string?.contains("INC-1 P1 investigating · 🔒 private") == true, "\(list)")
    }

    /// Anyone on the bot's server may make a room under the alias a declaration will ask for,
    /// put the job's key (easy to guess) in its creation and invite the bot. The bot used to
    /// take such a room as the one it had made before a crash, and told the incident there.
    @Test func aRoomSomeoneElseMadeUnderTheAliasIsNotTakenForTheIncidents() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        let name = "incident-20261124-squatted-\(bot.tag)"
        let answer = try await reporter.call(.POST, "createRoom", body: [
            "preset": "private_chat", "room_alias_name": .string(name), "invite": [.string(bot.bot.user)],
            "creation_content": ["io.github.incident-bot.job": "INC-1/1@matrix"],
        ])
        let squatted = try #require(answer["room_id"]?.string)
        try await bot.waitUntil("the bot joins the squatted room") {
            let members = try await bot.bot.call(.GET, "rooms/\(MatrixClient.segment(squatted))/joined_members")
            return members["joined"]?[bot.bot.user] != nil
        }
        try await reporter.say("!incident declare Squatted \(bot.tag) --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        let room = try await bot.waitFor("the room is made") { try await bot.current.store.read { try $0.roomID(.matrix, incident: 1) } }
        #expect(room != squatted)
        let created = try await bot.bot.call(.GET, "rooms/\(MatrixClient.segment(room))/state")
        #expect(created.array?.first { $0["type"]?.string == "m.room.create" }?["sender"]?.string == bot.bot.user)
    }

    @Test func aPushpinReactionPutsAMessageOnTheTimelineAndItsRedactionTakesItOff() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        // A title of its own: the homeserver is shared, and an alias names one room.
        try await reporter.say("!incident declare Pinned messages drill --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        let room = try await bot.room(alias: "incident-20261124-pinned-messages-drill")
        try await bot.waitUntil("the declarer is invited") { try await reporter.invitations().contains { $0.room == room } }
        try await reporter.join(room)
        let message = try await reporter.say("Error rate back to 0.1% after the rollback", in: room)
        let sent = try await reporter.call(.GET, "rooms/\(MatrixClient.segment(room))/event/\(MatrixClient.segment(message))")
        let postedAt = Timestamp(secondsSinceEpoch: Int64(try #require(sent["origin_server_ts"]?.int)) / 1_000)
        // Another emoji is not the timeline reaction; 📌 with the presentation selector is.
        _ = try await reporter.call(.PUT, "rooms/\(MatrixClient.segment(room))/send/m.reaction/\(UUID().uuidString)",
                                    body: ["m.relates_to": ["rel_type": "m.annotation", "event_id": .string(message), "key": "👀"]])
        let reaction = try await reporter.call(.PUT, "rooms/\(MatrixClient.segment(room))/send/m.reaction/\(UUID().uuidString)",
                                               body: ["m.relates_to": ["rel_type": "m.annotation", "event_id": .string(message), "key": "📌\u{FE0F}"]])
        let reactionID = try #require(reaction["event_id"]?.string)
        let pinned = try await bot.waitFor("the message is on the timeline") {
            try await bot.current.store.read { try $0.incident(1)?.incident.pins?.first }
        }
        #expect(pinned.text == "Error rate back to 0.1% after the rollback")
        #expect(pinned.messageID == message)
        #expect(pinned.author == PersonID.unlisted(.matrix, reporter.user))
        #expect(pinned.postedAt == postedAt)
        #expect(pinned.marks == [PinMark(by: .unlisted(.matrix, reporter.user), how: .reaction, id: reactionID)])

        _ = try await reporter.call(.PUT, "rooms/\(MatrixClient.segment(room))/redact/\(MatrixClient.segment(reactionID))/\(UUID().uuidString)", body: [:])
        try await bot.waitUntil("the message leaves the timeline") {
            try await bot.current.store.read { try $0.incident(1)?.incident.pins == nil }
        }
    }
}

/// A rotation handover during an open P1 on a real Synapse: the on-call rotation (bob, then
/// alice) hands over at 10:20 UTC with alice's page unanswered; bob's page comes by direct
/// message at 10:20, and the room is told. (bob, not the example's dave, who has no Matrix
/// account.)
@Suite(.serialized) struct MatrixRotationHandoverTests {
    @Test func aHandoverDuringAnOpenP1MovesThePage() async throws {
        let roster = try TestConfig.text("roster.example.yaml")
            .replacingOccurrences(of: "people: [alice]             # add people to rotate, e.g. [alice, bob]", with: "people: [bob, alice]")
            .replacingOccurrences(of: "handover: 2026-01-05T09:00:00Z   # a Monday, 09:00 UTC\n    every: 1w",
                                  with: "handover: 2026-11-24T10:20:00Z\n    every: 1d")
        #expect(roster.contains("people: [bob, alice]") && roster.contains("2026-11-24T10:20:00Z"))
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get(), roster: roster)
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Rotation hands over --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        try await bot.run(toMinute: 19)
        let me = bot.bot.user
        #expect(try await bot.user("alice").directNotices(from: me).contains { $0.contains("INC-1") })
        #expect(try await bot.user("bob").directNotices(from: me).isEmpty)

        try await bot.run(toMinute: 21)
        let pages = try await bot.user("bob").directNotices(from: me).filter { $0.contains("INC-1") }
        #expect(pages.count == 1)
        #expect(pages.first?.contains("the level became yours while this page was unanswered") == true, "\(pages)")
        let room = try await bot.room(alias: "incident-20261124-rotation-hands-over")
        try await bot.waitUntil("the declarer is invited") { try await reporter.invitations().contains { $0.room == room } }
        try await reporter.join(room)
        try await reporter.waitForNotice(in: room, from: me, containing: "is on call now as on-call engineer (engineering.L1)")
    }
}
