import IncidentCore
import IncidentPolicy

/// A timeline from pins: a message of the room pinned, or given the configured reaction, joins
/// the incident's record with its own time and author; taking the last mark back removes it.
/// Anyone in the room may (its platform decides who is in it); nothing is posted (but the one
/// notice when the timeline holds all the pins it keeps), so marking many messages makes no noise.
extension Incident {
    /// Applies `change` by `actor`; `author` is the marked message's author as the roster
    /// knows them. Throws `noChange` when the change changes nothing (a second mark by the same
    /// person, an unknown message), and refuses a closed incident.
    public func pinning(_ change: PinChange, author: PersonID?, by actor: PersonID, at now: Timestamp,
                        roster: Roster) throws(IncidentError) -> Decision {
        guard phase != .closed else { throw IncidentError(.wrongPhase, "\(id) is closed; its record can no longer change.") }
        var transition = Transition(self, now: now, roster: roster, actor: actor)
        var pins = pinnedMessages
        switch change {
        case .mark(let post, let how, let markID):
            let mark = PinMark(by: actor, how: how, id: markID)
            if let index = pins.firstIndex(where: { $0.messageID == post.messageID }) {
                guard !pins[index].marks.contains(where: { $0.by == actor && $0.how == how }) else {
                    throw IncidentError(.noChange, "That message is already on \(id)'s timeline.")
                }
                pins[index].marks.append(mark)
            } else {
                guard pins.count < PinnedMessage.maxPerIncident, let author else {
                    throw IncidentError(.noChange, "\(id) keeps no more pinned messages.")
                }
                pins.append(PinnedMessage(messageID: post.messageID, author: author, text: post.text, postedAt: post.postedAt, marks: [mark]))
                // The room is told when the last one is kept: pins past it went unrecorded in
                // silence. (Again after an un-pin and a pin: rare, and each time true.)
                if pins.count == PinnedMessage.maxPerIncident {
                    transition.post(Message(.text("📌 \(id)'s timeline now holds \(PinnedMessage.maxPerIncident) pinned messages, all it keeps: "
                        + "messages pinned or marked from now on are not added to it. Put what matters on it with "), .command("note"), .text(".")))
                }
            }
        case .unmark(let messageID, let how):
            // A pin belongs to the channel (anyone may take it out); a reaction to its giver.
            let taken: (PinMark) -> Bool = { $0.how == how && (how == .pin || $0.by == actor) }
            guard let index = pins.firstIndex(where: { $0.messageID == messageID }), pins[index].marks.contains(where: taken)
            else { throw IncidentError(.noChange, "That message is not on \(id)'s timeline that way.") }
            pins[index].marks.removeAll(where: taken)
            if pins[index].marks.isEmpty { pins.remove(at: index) }
        case .unmarkByID(let redacted):
            // A redacted message leaves with every mark; a redacted reaction takes only itself.
            if let index = pins.firstIndex(where: { $0.messageID == redacted }) {
                pins.remove(at: index)
            } else if let index = pins.firstIndex(where: { $0.marks.contains { $0.id == redacted } }) {
                pins[index].marks.removeAll { $0.id == redacted }
                if pins[index].marks.isEmpty { pins.remove(at: index) }
            } else {
                throw IncidentError(.noChange, "No pinned message of \(id) is or has that.")
            }
        }
        transition.incident.pins = pins.isEmpty ? nil : pins
        transition.fireDue()
        return transition.finish()
    }
}
