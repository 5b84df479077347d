import IncidentCore

/// What the rules say when delivery could not do as asked: a room that refused a message, a
/// person who never saw one, a page no method delivered, a room never made, a message given up.
extension Messages {
    /// A nudge or reminder the incident's room refused, sent to one of its people instead.
    /// Its commands name the incident: typed in a direct message, `/update` without one would
    /// not know which incident it is for.
    static func refusedByRoom(_ message: Message, incident: Incident, reason: String) -> Message {
        directCopy(message, incident: incident, why: [.strong("⚠️ The room of \(incident.id)")] + roomName(incident) + [.strong(" refused this message"),
                                                      .text(" ("), .userText(reason), .text("), so it comes to you directly:")])
    }

    /// A nudge or reminder posted in the incident's room, sent to one of the people it asks to
    /// act who has not joined the room (only invited): their platform told them nothing of it.
    static func unseenInRoom(_ message: Message, incident: Incident) -> Message {
        directCopy(message, incident: incident, why: [.strong("📣 Posted in the room of \(incident.id)")] + roomName(incident)
                                                      + [.strong(", which you have not joined"),
                                                      .text(" (join it to follow the incident there):")])
    }

    /// The room's name after the incident's number, in a message sent outside the room; none
    /// for a private incident, whose room may be named after its title (made before it turned
    /// private), and which is named outside its room by number and severity only.
    static func roomName(_ incident: Incident) -> [Span] {
        incident.isPrivate ? [] : [.text(" "), .room(incident.room)]
    }

    /// `message` sent directly, under `why`, with its commands naming the incident.
    static func directCopy(_ message: Message, incident: Incident, why: [Span]) -> Message {
        let lines = message.lines.map { line in
            line.map { span -> Span in
                guard case .command(let command) = span else { return span }
                return .command(naming(incident.id, in: command))
            }
        }
        return Message(lines: [why] + lines, actions: message.actions, kind: message.kind)
    }

    /// `update <what changed>` as `update INC-7 <what changed>`; `incident close` as
    /// `incident close INC-7`. A command that names it already is left as it is.
    static func naming(_ id: String, in command: String) -> String {
        var words = command.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard !words.contains(id) else { return command }
        let at = words.first == "incident" ? min(2, words.count) : min(1, words.count)
        words.insert(id, at: at)
        return words.joined(separator: " ")
    }

    static func undeliveredPage(_ page: Page, reason: String) -> Message {
        var message = Message(.strong("⚠️ Could not page "), .mention(page.person), .strong(" (\(page.role), \(page.ladder) \(page.level)): "),
                              .text("no method could deliver the page ("), .userText(reason),
                              .text("). Reach them another way; the ladder goes on, and later pages that fail to reach them are only on the timeline."))
        message.kind = .warning
        return message
    }

    static func roomNotMade(_ incident: Incident, key: String, reason: String) -> Message {
        var message = Message(.strong("⚠️ The room of \(incident.id) (\(incident.severity)) could not be made"), .text(" ("), .userText(reason),
                              .text("), so its messages are not posted. Commands still work with the incident named ("),
                              .command("note \(incident.id) <text>"), .text("); an operator can try again with "),
                              .code("incident-bot outbox retry \(key)"), .text(", then retry its posts."))
        message.kind = .warning
        return message
    }

    static func undeliveredMessage(reason: String) -> Message {
        Message(.strong("⚠️ A message for this incident could not be delivered "), .text("and was given up ("), .userText(reason),
                .text("). An operator can see and retry it with "), .code("incident-bot outbox --failed"),
                .text("; later failures go to the timeline without another notice."))
    }
}
