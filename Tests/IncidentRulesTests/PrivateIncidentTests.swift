import IncidentCore
import IncidentRules
import Testing

/// Private incidents: a P1 about exposed customer data, declared at 10:00 on 2026-11-24 by
/// carol; alice is the on-call engineer, grace an incident admin. Nothing of the title or the
/// status may leave the room: not to the broadcast channel, not in a page, not in a DM.
@Suite struct PrivateIncidentTests {
    static let secret = ["Customer records", "bucket", "exposed"]

    /// Every page and direct message, as plain text.
    func leftTheRoom(_ drill: Drill) -> [String] {
        drill.effects.compactMap { _, effect in
            switch effect.action {
            case .page(let page): page.message.plainText()
            case .directMessage(let message, _): message.plainText()
            default: nil
            }
        }
    }

    func tellsNothing(_ texts: [String]) -> Bool {
        !texts.contains { text in Self.secret.contains { text.contains($0) } }
    }

    @Test func aPrivateDeclarationMakesAPrivateRoomNamedForNothingAndTellsTheBroadcastChannelNothing() throws {
        var drill = try Drill("/incident declare Customer records exposed in a public bucket --sev P1 --private", by: Fixtures.responder)
        #expect(drill.incident.isPrivate)
        #expect(drill.incident.room == "incident-20261124-private")
        let created = drill.effects.compactMap { _, effect -> Bool? in
            if case .createRoom(_, _, _, let isPrivate) = effect.action { isPrivate } else { nil }
        }
        #expect(created == [true])
        #expect(drill.posts(to: .incidentRoom).first?.contains("🔒 Private: nothing goes to the broadcast channel") == true)
        try drill.run(to: 90, script: [5: [("carol", "/update Bucket policy reverted status: bucket locked down")],
                                       20: [("carol", "/action @dave Rotate the exposed keys due: today")],
                                       40: [("carol", "/ic @bob handover: legal is informed")],
                                       60: [("bob", "/incident mitigated")]])
        #expect(drill.posts(to: .broadcast).isEmpty)
        let outside = leftTheRoom(drill)
        #expect(!drill.pages.isEmpty)
        #expect(outside.contains { $0.hasPrefix("🔔 INC-1 (P1): a private incident") })
        // Invited only where they have a chat account: a mail-only reader was told they were.
        #expect(outside.contains { $0.contains("its details stay in its room, to which paged people with a chat account are invited.") }
                && !outside.contains { $0.contains("which you are invited to") }, "\(outside)")
        #expect(outside.contains { $0.hasPrefix("🔁 INC-1 (P1): a private incident") })
        #expect(tellsNothing(outside.filter { !$0.hasPrefix("📌") }), "\(outside)")
        // The handover briefing is posted in the room instead.
        #expect(drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔁 You are now the incident commander of INC-1 (P1): Customer records") })
    }

    @Test func theActionReminderNamesNoRoom() throws {
        var drill = try Drill("/incident declare Customer records exposed --sev P2 --private --ic @alice", by: Fixtures.responder)
        try drill.type("/action @dave Rotate the keys due: tomorrow", by: "alice")
        try drill.run(to: 24 * 60)
        let reminders = leftTheRoom(drill).filter { $0.hasPrefix("📌") }
        #expect(reminders == ["📌 INC-1 A1 is due today: Rotate the keys\nFrom a private incident. When it is done, type /action done A1 in its room."])
    }

    @Test func madePrivateLaterTheBroadcastChannelHearsNothingMore() throws {
        var drill = try Drill("/incident declare Customer records exposed --sev P1", by: Fixtures.responder)
        #expect(drill.posts(to: .broadcast).count == 1)
        #expect(throws: IncidentError.self) { try drill.type("/incident private", by: .unlisted(.slack, "U0STRANGER")) }
        try drill.type("/incident private", by: "carol")
        #expect(drill.incident.isPrivate)
        #expect(drill.timeline.last?.kind == .privacy)
        #expect(drill.posts(to: .incidentRoom).last?.contains("a public Slack channel can be made private only by a workspace admin") == true)
        let broadcastBefore = drill.posts(to: .broadcast).count
        #expect(broadcastBefore == 1)
        let outsideBefore = leftTheRoom(drill).count
        try drill.run(to: 60, script: [10: [("carol", "/update Keys rotated status: bucket closed")]])
        #expect(drill.posts(to: .broadcast).count == broadcastBefore)
        let later = Array(leftTheRoom(drill).dropFirst(outsideBefore))
        #expect(!later.isEmpty)
        #expect(tellsNothing(later) && !later.contains { $0.contains("#incident-") }, "\(later)")
        // The call link (from the P1 template) stays in the room: a template may carry the room's name.
        #expect(drill.incident.callLink != nil && !later.contains { $0.contains("meet.example.com") }, "\(later)")
        #expect(throws: IncidentError.self) { try drill.type("/incident private", by: "carol") }
    }

    @Test func onlyAnAdminMakesItPublicAgain() throws {
        var drill = try Drill("/incident declare Customer records exposed --sev P1 --private --ic @alice", by: Fixtures.responder)
        for person: PersonID in ["alice", "carol"] {
            #expect(throws: IncidentError.self) { try drill.type("/incident public", by: person) }
        }
        #expect(drill.incident.isPrivate)
        try drill.type("/incident public", by: "grace")
        #expect(!drill.incident.isPrivate)
        #expect(drill.posts(to: .broadcast)
                == ["🔓 INC-1 (P1, investigating) made public: Customer records exposed\nRoom: #incident-20261124-private · declared by @carol"])
        try drill.type("/update Keys rotated", by: "alice")
        #expect(drill.posts(to: .broadcast).count == 2)
        // Private again: its room was private from the start, not a public channel whose name tells the title.
        try drill.type("/incident private", by: "alice")
        let told = drill.posts(to: .incidentRoom).last ?? ""
        #expect(told.contains("Its room was made private from the start") && !told.contains("public Slack channel"), "\(told)")
    }

    /// Made public once resolved: the broadcast channel is told it is resolved, not that a P1
    /// was just declared.
    @Test func aResolvedIncidentMadePublicIsNotAnnouncedAsNew() throws {
        var drill = try Drill("/incident declare Customer records exposed --sev P1 --private --ic @alice", by: Fixtures.responder)
        try drill.type("/incident resolve keys rotated", by: "alice")
        try drill.type("/incident public", by: "grace")
        let posts = drill.posts(to: .broadcast)
        #expect(posts.last?.hasPrefix("🔓 INC-1 (P1, resolved) made public: Customer records exposed") == true, "\(posts)")
        #expect(!posts.contains { $0.contains("declared (") })
    }

    @Test func onlyMembersAndAdminsSeeIt() throws {
        let drill = try Drill("/incident declare Customer records exposed --sev P1 --private --ic @alice", by: Fixtures.responder)
        let admins: Set<PersonID> = ["grace"]
        for member: PersonID in ["carol", "alice", "grace"] { #expect(drill.incident.isVisible(to: member, admins: admins)) }
        // Paged at once for a P1: the business ladder's first level.
        let paged = try #require(drill.incident.pages.first?.person)
        #expect(drill.incident.isVisible(to: paged, admins: admins))
        for outsider: PersonID in ["dave", .unlisted(.slack, "U0STRANGER")] { #expect(!drill.incident.isVisible(to: outsider, admins: admins)) }
    }
}
