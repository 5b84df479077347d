import IncidentCore
import IncidentEngine
import IncidentMatrix
import Logging
import MatrixSynapse
import Testing

/// Who a nudge reaches on a real Synapse: a homeserver notifies nobody of a room they were
/// only invited to, so the transport says who it asks to act is not in the room.
@Suite struct MatrixUnseenTests {
    /// A nudge mentioning grace, only invited to the room, is posted and reported unseen by
    /// her; once she joined, it is delivered plainly. A notice mentioning her asks nothing of
    /// her and is not looked into.
    @Test func aNudgeForSomeoneOnlyInvitedIsReportedUnseenByThem() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let grace = try bot.user("grace")
        let transport = MatrixTransport(client: try bot.client, logger: Logger(label: "unseen"))
        let people: [PersonID: Contact] = ["grace": Contact(person: "grace", handle: "@grace", account: bot.mxid("grace"))]
        let creation = TransportJob(key: "INC-1/1@matrix", action: .createRoom(name: "unseen-\(UInt32.random(in: 0...UInt32.max))",
                                                                            topic: Message(.text("topic")), invite: ["grace"]),
                                    people: people, incident: 1)
        guard case .roomCreated(let room, _) = try await transport.deliver(creation) else {
            Issue.record("no room made")
            return
        }
        var nudge = Message(.text("⏰ "), .mention("grace"), .text(" the status update is overdue"))
        nudge.kind = .nudge
        let note = Message(.mention("grace"), .text(" noted"))

        #expect(try await transport.deliver(TransportJob(key: "INC-1/5@matrix", action: .post(room: room, nudge), people: people, incident: 1))
            == .deliveredUnseen(by: ["grace"]))
        #expect(try await transport.deliver(TransportJob(key: "INC-1/6@matrix", action: .post(room: room, note), people: people, incident: 1))
            == .delivered)

        try await grace.join(room)
        #expect(try await grace.messages(in: room).contains { $0["content"]?["body"]?.string?.contains("overdue") == true },
                "the nudge itself was posted")
        #expect(try await transport.deliver(TransportJob(key: "INC-1/7@matrix", action: .post(room: room, nudge), people: people, incident: 1))
            == .delivered)
    }
}
