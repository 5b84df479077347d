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

/// Pages on Matrix go into direct rooms: one the person never joined, an account the
/// homeserver does not have, a room another leader or a restored database made.
extension MatrixScenarioTests {
    /// Alice never takes the invitation to the direct room of her first page: her second page
    /// comes with a new room's invitation, which notifies her, instead of going into a room she
    /// is only invited to, where no message notifies anyone.
    @Test func aPageDoesNotGoIntoADirectRoomNeverJoined() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let alice = try bot.user("alice")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Payments are slow --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        try await bot.waitForDelivery()
        try await bot.waitUntil("alice is invited to a direct room") { try await alice.invitations().contains { $0.direct } }
        try await reporter.say("!incident declare Search is down --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-2")
        try await bot.waitForDelivery()
        try await bot.waitUntil("alice is invited to a second direct room") {
            try await alice.invitations().filter { $0.direct && $0.inviter == bot.bot.user }.count == 2
        }
        // Once she has joined, her pages go to the room she is in: no third room.
        let rooms = try await alice.invitations().filter(\.direct).map(\.room)
        for room in rooms { try await alice.join(room) }
        try await reporter.say("!incident declare Login fails --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-3")
        try await bot.waitForDelivery()
        try await bot.waitUntil("alice's third page is in a room she joined") {
            var found = false
            for room in rooms where try await alice.messages(in: room).contains(where: { $0["content"]?["body"]?.string?.contains("INC-3") == true }) {
                found = true
            }
            return found
        }
        #expect(try await alice.invitations().filter(\.direct).isEmpty)
    }

    /// A direct message to grace for the outbox key `key`, saying `page <key>`.
    static func directMessageToGrace(_ key: String, bot: MatrixHarness) -> TransportJob {
        TransportJob(key: key, action: .directMessage(to: "grace", Message(.text("page \(key)"))),
                     people: ["grace": Contact(person: "grace", handle: "@grace", account: bot.mxid("grace"))], incident: 1)
    }

    /// A roster's Matrix id that its homeserver does not have (a typo): the page is refused,
    /// so it moves to the person's next method. Synapse made the room and took the message,
    /// and the page was recorded delivered into nothing.
    @Test func aPageToAnAccountTheHomeserverDoesNotHaveIsRefused() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let transport = MatrixTransport(client: try bot.client, logger: Logger(label: "dm-typo"))
        var job = Self.directMessageToGrace("INC-1/3@matrix", bot: bot)
        job.people["grace"]?.account = "@garce.\(bot.tag):localhost"
        do {
            _ = try await transport.deliver(job)
            Issue.record("a page to an account that does not exist was taken")
        } catch {
            guard case .rejected(let reason) = error else {
                Issue.record("refused as \(error), not for good")
                return
            }
            #expect(reason.contains("no account"), "\(reason)")
        }
        // An existing account, never messaged before, still is.
        #expect(try await transport.deliver(Self.directMessageToGrace("INC-1/4@matrix", bot: bot)) == .delivered)
    }

    /// The same page sent again (a retry after a timeout, or after a crash, when the first try
    /// may have reached the homeserver) goes to the room made for it, once, even while the
    /// person has not joined it; another message gets a room of its own until they join one.
    @Test func aPageSentAgainGoesToTheRoomMadeForIt() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let grace = try bot.user("grace")
        let transport = MatrixTransport(client: try bot.client, logger: Logger(label: "dm-test"))
        func job(_ key: String) -> TransportJob { Self.directMessageToGrace(key, bot: bot) }
        _ = try await transport.deliver(job("INC-1/7@matrix"))
        _ = try await transport.deliver(job("INC-1/7@matrix"))
        let first = try await grace.invitations().filter(\.direct)
        #expect(first.count == 1)
        _ = try await transport.deliver(job("INC-1/8@matrix"))
        let rooms = try await grace.invitations().filter(\.direct).map(\.room)
        #expect(rooms.count == 2)
        // She opens the first room, made for the first page: the next message goes there.
        let opened = try #require(first.first?.room)
        try await grace.join(opened)
        _ = try await transport.deliver(job("INC-1/9@matrix"))
        let bodies = try await grace.messages(in: opened).compactMap { $0["content"]?["body"]?.string }
        #expect(bodies.filter { $0.contains("page INC-1/7@matrix") }.count == 1, "\(bodies)")
        #expect(bodies.contains { $0.contains("page INC-1/9@matrix") }, "\(bodies)")
        #expect(try await grace.invitations().filter(\.direct).count == 1)
    }

    /// A database restored from a backup numbers its next incident as the lost one did, so its
    /// page has the lost page's outbox key, in the same direct room, while the homeserver still
    /// keeps that txnId: the page is shown, not taken for a repeat of the lost one.
    @Test func aRestoredDatabasesPageWithTheLostPagesKeyIsShown() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let grace = try bot.user("grace")
        let transport = MatrixTransport(client: try bot.client, logger: Logger(label: "dm-restore"))
        func job(queuedAt minute: Int) -> TransportJob {
            var job = Self.directMessageToGrace("INC-1/7@matrix", bot: bot)
            job.queuedAt = TestConfig.at(minute)
            return job
        }
        _ = try await transport.deliver(job(queuedAt: 1))
        let room = try #require(try await grace.invitations().filter(\.direct).first?.room)
        try await grace.join(room)
        _ = try await transport.deliver(job(queuedAt: 1))  // a retry: shown once
        _ = try await transport.deliver(job(queuedAt: 40))  // the restored database's page
        let bodies = try await grace.messages(in: room).compactMap { $0["content"]?["body"]?.string }
        #expect(bodies.filter { $0.contains("page INC-1/7@matrix") }.count == 2, "\(bodies)")
    }

    /// A person whose homeserver ours cannot reach (named IC, or paged): their invitation is
    /// not sent, and the others in the same job are. Retried, it held every post to the room
    /// behind it for as long as their server was down.
    @Test func anInvitationToAnUnreachableServerDoesNotHoldTheRoom() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let grace = try bot.user("grace")
        let transport = MatrixTransport(client: try bot.client, logger: Logger(label: "invite-remote"))
        let creation = TransportJob(key: "INC-1/0@matrix", action: .createRoom(name: "remote-invite-\(UInt32.random(in: 0...UInt32.max))",
                                                                            topic: Message(.text("topic")), invite: []), people: [:], incident: 1)
        guard case .roomCreated(let room, _) = try await transport.deliver(creation) else {
            Issue.record("no room made")
            return
        }
        let invitation = TransportJob(key: "INC-1/1@matrix", action: .invite(room: room, ["frank", "grace"]), people: [
            "frank": Contact(person: "frank", handle: "@frank", account: "@frank:unreachable.invalid"),
            "grace": Contact(person: "grace", handle: "@grace", account: bot.mxid("grace")),
        ], incident: 1)
        #expect(try await transport.deliver(invitation) == .delivered)
        #expect(try await grace.invitations().contains { $0.room == room })
        // Named as the room is made (the declarer's IC): the room is made, the others invited.
        var withRemote = creation
        withRemote.key = "INC-2/0@matrix"
        withRemote.action = .createRoom(name: "remote-invite-\(UInt32.random(in: 0...UInt32.max))", topic: Message(.text("topic")),
                                        invite: ["frank", "grace"])
        withRemote.people = invitation.people
        guard case .roomCreated(let second, _) = try await transport.deliver(withRemote) else {
            Issue.record("no room made")
            return
        }
        #expect(try await grace.invitations().contains { $0.room == second })
    }

    /// A page sent by another leader (a replica, or this process in an earlier term) that
    /// crashed before recording it, sent again here: it goes to the room made for it, though
    /// this process's list of direct rooms predates that room, and the list keeps both rooms.
    @Test func aPageAnotherLeaderSentGoesToTheRoomItMade() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let grace = try bot.user("grace")
        let here = MatrixTransport(client: try bot.client, logger: Logger(label: "dm-here"))
        let other = MatrixTransport(client: try bot.client, logger: Logger(label: "dm-other"))
        func job(_ key: String) -> TransportJob { Self.directMessageToGrace(key, bot: bot) }
        _ = try await here.deliver(job("INC-1/7@matrix"))
        _ = try await other.deliver(job("INC-1/8@matrix"))
        _ = try await here.deliver(job("INC-1/8@matrix"))
        let rooms = try await grace.invitations().filter(\.direct).map(\.room)
        #expect(rooms.count == 2, "\(rooms)")
        // A third message still finds both rooms in the account data (neither list overwrote the other).
        _ = try await other.deliver(job("INC-1/7@matrix"))
        #expect(try await grace.invitations().filter(\.direct).count == 2)
        for room in rooms { try await grace.join(room) }
        var bodies: [String] = []
        for room in rooms { bodies += try await grace.messages(in: room).compactMap { $0["content"]?["body"]?.string } }
        #expect(bodies.filter { $0.contains("page INC-1/8@matrix") }.count == 1, "\(bodies)")
        #expect(bodies.filter { $0.contains("page INC-1/7@matrix") }.count == 1, "\(bodies)")
    }
}
