import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// A timeline from pins: a P1 declared at 10:00 by carol with alice as IC; messages of the room
/// marked for the timeline by pin or reaction, and unmarked.
@Suite struct PinTimelineTests {
    static let post = PinnedPost(messageID: "1764000000.000200", author: "U0BOB0002", text: "Error rate back to 0.1% after the rollback",
                                 postedAt: Fixtures.at(12))

    func drill() throws -> Drill {
        try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
    }

    func pin(_ drill: inout Drill, _ change: PinChange, by actor: PersonID, author: PersonID? = "bob", minute: Int = 20) throws {
        drill.absorb(try drill.incident.pinning(change, author: author, by: actor, at: Fixtures.at(minute), roster: drill.roster))
    }

    /// A message anyone in the room posted carries control and bidirectional characters its
    /// pinner could not see: they are dropped as from typed text, so an export read in a
    /// terminal runs no escape sequence.
    @Test func aPinnedMessagesHiddenCharactersAreDropped() throws {
        var drill = try drill()
        let post = PinnedPost(messageID: "1764000000.000300", author: "U0BOB0002",
                              text: "Rolled back\u{1B}]52;c;ZXZpbA==\u{07} \u{202E}kcab\u{1B}[2A", postedAt: Fixtures.at(12))
        try pin(&drill, .mark(post, how: .pin, markID: nil), by: "carol")
        let text = try #require(drill.incident.pinnedMessages.first?.text)
        #expect(!text.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{202E}" }, "\(text.debugDescription)")
        #expect(text.hasPrefix("Rolled back"))
    }

    @Test func aMarkedMessageJoinsTheTimelineAtItsOwnTimeAndLeavesWithItsLastMark() throws {
        var drill = try drill()
        try drill.run(to: 15, script: [5: [("alice", "/update Rolling back")], 14: [("alice", "/note DB team paged")]])
        let effectsBefore = drill.effects.count
        try pin(&drill, .mark(Self.post, how: .pin, markID: nil), by: "carol")
        try pin(&drill, .mark(Self.post, how: .reaction, markID: nil), by: "alice")
        #expect(drill.incident.pinnedMessages.count == 1)
        #expect(drill.incident.pinnedMessages.first?.marks.map(\.by) == ["carol", "alice"])
        // Nothing is posted or paged for a pin.
        #expect(drill.effects.count == effectsBefore)

        let merged = drill.incident.timeline(merging: drill.timeline)
        let index = try #require(merged.firstIndex { $0.kind == .pinned })
        #expect(merged[index] == TimelineEntry(at: Fixtures.at(12), author: "bob", kind: .pinned, text: "📌 Error rate back to 0.1% after the rollback"))
        #expect(merged[index - 1].at <= Fixtures.at(12) && merged[index + 1].at >= Fixtures.at(12))
        #expect(merged[index + 1].text == "DB team paged")
        let draft = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline)
        #expect(draft.contains("| 2026-11-24 10:12 UTC | @bob | 📌 Error rate back to 0.1% after the rollback |"), "\(draft)")

        try pin(&drill, .unmark(messageID: Self.post.messageID, how: .pin), by: "carol")
        #expect(drill.incident.pinnedMessages.first?.marks.map(\.by) == ["alice"])
        try pin(&drill, .unmark(messageID: Self.post.messageID, how: .reaction), by: "alice")
        #expect(drill.incident.pins == nil)
        #expect(!PostmortemDraft.markdown(drill.incident, timeline: drill.timeline).contains("📌"))
    }

    /// A pin is the channel's: anyone un-pinning takes it out. A reaction is its giver's.
    @Test func anUnpinByAnyoneTakesThePinOutButAReactionOnlyByItsGiver() throws {
        var drill = try drill()
        try pin(&drill, .mark(Self.post, how: .pin, markID: nil), by: "carol")
        try pin(&drill, .mark(Self.post, how: .reaction, markID: nil), by: "alice")
        #expect(throws: IncidentError.self) { try pin(&drill, .unmark(messageID: Self.post.messageID, how: .reaction), by: "bob") }
        try pin(&drill, .unmark(messageID: Self.post.messageID, how: .pin), by: "bob")
        #expect(drill.incident.pinnedMessages.first?.marks.map(\.by) == ["alice"])
    }

    /// A redacted message leaves the timeline with all its marks (Matrix).
    @Test func aRedactedMessageLeavesTheTimeline() throws {
        var drill = try drill()
        try pin(&drill, .mark(Self.post, how: .reaction, markID: "$r1"), by: "carol")
        try pin(&drill, .mark(Self.post, how: .reaction, markID: "$r2"), by: "alice")
        try pin(&drill, .unmarkByID(Self.post.messageID), by: "bob")
        #expect(drill.incident.pins == nil)
    }

    @Test func aReactionIsTakenBackByItsOwnID() throws {
        var drill = try drill()
        try pin(&drill, .mark(Self.post, how: .reaction, markID: "$reaction1"), by: "carol")
        #expect(throws: IncidentError.self) { try pin(&drill, .unmarkByID("$other"), by: "carol") }
        try pin(&drill, .unmarkByID("$reaction1"), by: "carol")
        #expect(drill.incident.pins == nil)
    }

    @Test func whatChangesNothingIsRefusedAndAClosedIncidentTakesNoPins() throws {
        var drill = try drill()
        try pin(&drill, .mark(Self.post, how: .pin, markID: nil), by: "carol")
        #expect(throws: IncidentError.self) { try pin(&drill, .mark(Self.post, how: .pin, markID: nil), by: "carol") }
        #expect(throws: IncidentError.self) { try pin(&drill, .unmark(messageID: Self.post.messageID, how: .reaction), by: "dave") }
        #expect(throws: IncidentError.self) { try pin(&drill, .unmark(messageID: "1764000000.999999", how: .pin), by: "carol") }
        try drill.type("/incident resolve rolled back", by: "alice")
        try drill.type("/incident close", by: "alice")
        let other = PinnedPost(messageID: "1764000000.000300", author: "U0BOB0002", text: "late", postedAt: Fixtures.at(30))
        #expect(throws: IncidentError.self) { try pin(&drill, .mark(other, how: .pin, markID: nil), by: "carol", minute: 40) }
    }

    @Test func longTextIsCutAndTheCountIsBounded() throws {
        var drill = try drill()
        let long = PinnedPost(messageID: "1", author: "U0BOB0002", text: String(repeating: "x", count: 5_000), postedAt: Fixtures.at(1))
        try pin(&drill, .mark(long, how: .pin, markID: nil), by: "carol")
        #expect(drill.incident.pinnedMessages.first?.text.count == PinnedMessage.maxText)
        for index in 2...PinnedMessage.maxPerIncident {
            let post = PinnedPost(messageID: "\(index)", author: "U0BOB0002", text: "m\(index)", postedAt: Fixtures.at(1))
            try pin(&drill, .mark(post, how: .pin, markID: nil), by: "carol")
        }
        let over = PinnedPost(messageID: "over", author: "U0BOB0002", text: "one too many", postedAt: Fixtures.at(1))
        #expect(throws: IncidentError.self) { try pin(&drill, .mark(over, how: .pin, markID: nil), by: "carol") }
        #expect(drill.incident.pinnedMessages.count == PinnedMessage.maxPerIncident)
        // The room was told once, at the last pin kept.
        let told = drill.posts(to: .incidentRoom).filter { $0.contains("all it keeps") }
        #expect(told == ["📌 INC-1's timeline now holds 300 pinned messages, all it keeps: messages pinned or marked from now on are not added to it. "
                         + "Put what matters on it with /note."], "\(told)")
    }
}
