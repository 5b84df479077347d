import IncidentCore
@testable import IncidentEngine
import IncidentTesting
import Testing

/// Invitations to an incident's room wait for the room, not for its posts: a person paged was
/// told they are invited, and a backlog of notes (Slack takes one post a second in a channel)
/// held their invitation minutes behind it.
@Suite struct InvitationLaneTests {
    @Test func aPagedPersonsInvitationGoesAheadOfTheRoomsBacklog() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 1)
        bot.slack.behave(.down(retryAfter: nil))
        for n in 1...40 {
            try await bot.say("U0CAROL03", "/update finding \(n)", in: DeliveryTests.room)
            if n.isMultiple(of: 5) { try await bot.run(toMinute: 1 + n / 5) }  // within the commands a minute allows
        }
        // Bob, the team lead, is paged at 30 (on Matrix, his platform) and invited to the room.
        try await bot.run(toMinute: 30)
        bot.slack.behave(.working)
        try await bot.run(toMinute: 36)
        let sent = bot.slack.delivered.map(\.job.action)
        let invitation = try #require(sent.firstIndex { if case .invite(_, let people) = $0 { people.contains("bob") } else { false } })
        let lastNote = try #require(sent.lastIndex { if case .post(_, let message) = $0 { message.plainText().contains("finding 40") } else { false } },
                                    "\(sent.map { "\($0)".prefix(60) })")
        #expect(invitation < lastNote, "the invitation waited behind the notes")
        // Nothing else changed: every update went out once, in order, to the room and to the
        // broadcast channel.
        let updates = sent.compactMap { action -> (String, String)? in
            if case .post(let room, let message) = action, message.plainText().contains("finding ") { (room, message.plainText()) } else { nil }
        }
        let byRoom = Dictionary(grouping: updates, by: \.0).mapValues { $0.map(\.1) }
        #expect(byRoom.count == 2 && byRoom.values.allSatisfy { texts in
            texts.count == 40 && zip(texts, 1...40).allSatisfy { $0.contains("finding \($1)") }
        }, "\(byRoom.mapValues(\.count))")
    }

    /// An invitation queued with its room's creation waits for the room, untried.
    @Test func anInvitationWaitsForItsRoomUntried() {
        func item(_ action: Effect.Action, lane: String, id: Int64) -> OutboxItem {
            var item = OutboxItem(key: "INC-1/\(id)@slack", incident: 1, method: .slack, lane: lane, job: .effect(action), at: TestConfig.start)
            item.id = id
            return item
        }
        let creation = item(.createRoom(name: "incident-x", topic: Message(.text("t")), invite: []), lane: "slack:INC-1", id: 1)
        let invitation = item(.invite(["bob"]), lane: "slack:INC-1:invites", id: 2)
        #expect(OutboxItem.withoutInvitationsAheadOfTheirRoom([creation, invitation]).map(\.id) == [1])
        #expect(OutboxItem.withoutInvitationsAheadOfTheirRoom([invitation]).map(\.id) == [2])
    }
}
