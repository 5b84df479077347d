import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentWire
import MatrixSynapse
import Testing

/// Rooms that change under the bot on a real Synapse: a broadcast room upgraded to a new
/// room version, a room the bot is removed from while it is down, an incident's room names
/// taken in advance.
@Suite(.serialized) struct MatrixRoomChangeTests {
    /// An upgrade moves the broadcast room's alias to its successor and leaves the old room
    /// read-only: broadcasts go to the new room. They went on to the old one, refused and
    /// given up, until the bot was restarted.
    @Test func broadcastsFollowAnUpgradedRoom() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get(), broadcastAlias: "news")
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let created = try await reporter.call(.POST, "createRoom", body: [
            "preset": "public_chat", "room_alias_name": .string("news.\(bot.tag)"), "name": "news",
        ])
        let news = try #require(created["room_id"]?.string)
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Cache is cold --sev P3", in: lobby)
        try await reporter.waitForNotice(in: news, from: bot.bot.user, containing: "Cache is cold")

        let upgraded = try await reporter.call(.POST, "rooms/\(MatrixClient.segment(news))/upgrade", body: ["new_version": "10"])
        let successor = try #require(upgraded["replacement_room"]?.string)
        try await reporter.say("!incident declare Queue is stuck --sev P3", in: lobby)
        try await reporter.waitForNotice(in: successor, from: bot.bot.user, containing: "Queue is stuck")
        try await bot.waitForDelivery()
        let failed = try await bot.current.store.read { try $0.outboxListing(.failed, limit: 10) }
        #expect(failed.isEmpty, "\(failed)")
    }

    /// A command typed while the bot was down, in a room it was then removed from, is run at
    /// the next start: the sync brings that room's timeline under `leave`, which was not read,
    /// and an `!ack` typed there was lost while the ladder climbed.
    @Test func aCommandTypedBeforeTheBotWasRemovedIsRun() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let carol = try bot.user("carol")
        let lobby = try await bot.lobby(of: "carol")
        try await carol.say("!incident declare Removed room --sev P3", in: lobby)
        try await carol.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        try await bot.settle()
        await bot.stopBot()
        try await carol.say("!note INC-1 typed before the kick", in: lobby)
        _ = try await carol.call(.POST, "rooms/\(MatrixClient.segment(lobby))/kick", body: ["user_id": .string(bot.bot.user)])
        try await bot.startBot()
        let notes = try await bot.waitFor("the note is run", seconds: 30) { () async throws -> [String]? in
            let notes = try await bot.current.store.read { try $0.timeline(incident: 1).filter { $0.kind == .note }.map(\.text) }
            return notes.isEmpty ? nil : notes
        }
        #expect(notes == ["typed before the kick"])
    }

    /// Someone on the homeserver takes a private incident's room name and the next 19 (easy to
    /// guess from the date): the incident still gets its room, under a name nobody can guess,
    /// and the declarer is invited there. It had no room at all, and pointed at theirs.
    @Test func anIncidentWhoseNamesAreAllTakenStillGetsItsRoom() async throws {
        // A day of its own: the names taken on this shared homeserver are no other test's.
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get(),
                                                clock: ManualClock(start: Timestamp(secondsSinceEpoch: 1_926_410_400)))
        defer { Task { await bot.stopBot() } }
        let squatter = try bot.user("reporter")
        let name = "incident-20310117-private"
        for n in 1...20 {
            _ = try await squatter.call(.POST, "createRoom", body: [
                "preset": "public_chat", "room_alias_name": .string(n == 1 ? name : "\(name)-\(n)"),
            ])
        }
        let carol = try bot.user("carol")
        let lobby = try await bot.lobby(of: "carol")
        try await carol.say("!incident declare Customer records exposed --sev P1 --private", in: lobby)
        let room = try await bot.waitFor("the room is made") { try await bot.current.store.read { try $0.roomID(.matrix, incident: 1) } }
        try await bot.waitUntil("the declarer is invited") { try await carol.invitations().contains { $0.room == room } }
        try await carol.join(room)
        let creator = try await carol.call(.GET, "rooms/\(MatrixClient.segment(room))/state").array?
            .first { $0["type"]?.string == "m.room.create" }?["sender"]?.string
        #expect(creator == bot.bot.user)
        let taken = try await squatter.resolve("#\(name):localhost")
        #expect(taken != room)
    }
}
