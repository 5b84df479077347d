import IncidentCore
import IncidentPolicy

/// `/ic @next handover: <note>`: the IC role changes hands with a note on the timeline, and the
/// new IC gets a direct message with what they take on: the last update, the open action
/// items, who has been paged, and when the next update is due.
extension Transition {
    mutating func handOver(to person: PersonID, note: String, by actor: PersonID) throws(IncidentError) {
        let previous = incident.commander
        try assign(.commander, to: person)
        let from = previous.map { "\($0.handle)" } ?? "nobody"
        record(.roleAssigned, "Handover from \(from) to \(person.handle): \(note)")
        post(Message(lines: [[.text("🔁 Handover to "), .mention(person), .text(": ")] + [.userText(note)]]))
        let briefing = Messages.handoverBriefing(incident, note: note, from: previous, now: now)
        if incident.isPrivate {
            // The briefing stays in the room; the direct message only points there.
            post(briefing)
            emit(.directMessage(Message(lines: [Messages.outsideHeading(incident, "🔁"),
                                                [.text("You are now its incident commander; your briefing is in its room.")]]), to: person))
        } else {
            emit(.directMessage(briefing, to: person))
        }
        reply = Messages.reply("\(person.handle) is now the incident commander of \(incident.id); they have the handover note.")
    }
}

extension Messages {
    /// What the new IC takes on.
    static func handoverBriefing(_ incident: Incident, note: String, from previous: PersonID?, now: Timestamp) -> Message {
        let zone = incident.policy.timeZone
        var message = Message(.strong("🔁 You are now the incident commander of \(incident.id) (\(incident.severity)): "), .userText(incident.title))
        message.line([.text("Room "), .room(incident.room)] + (previous.map { [.text(" · handed over by "), .mention($0)] } ?? []))
        message.line(.text("Note: "), .userText(note))
        let lastUpdate = Messages.lastUpdate(incident, now: now)
        message.line(.text(lastUpdate.prefix(1).uppercased() + lastUpdate.dropFirst() + " · status: "), .userText(incident.statusText))
        if let due = incident.updateDue, incident.phase == .investigating || incident.phase == .mitigated {
            message.line(.text("Next update due \(zone.clockTime(due, seenAt: now))" + (due <= now ? " (overdue)" : "")))
        }
        var paged: [Span] = [.text("Paged: ")]
        // A page withdrawn before it went out reached nobody. Each person once, from their first
        // page: a P0's VP paged at once and again for missed updates read, from the last alone,
        // as though they had first heard of it then.
        let reached = incident.pages.filter { $0.withdrawn != true }
        let first = Dictionary(reached.map { ($0.person, $0) }, uniquingKeysWith: { first, _ in first })
        let latest = Dictionary(reached.map { ($0.person, $0) }, uniquingKeysWith: { _, last in last })
        if first.isEmpty { paged.append(.text("nobody")) }
        for (index, page) in first.values.sorted(by: { ($0.at, $0.person.rawValue) < ($1.at, $1.person.rawValue) }).enumerated() {
            if index > 0 { paged.append(.text(", ")) }
            let last = latest[page.person] ?? page
            let again = last.at > page.at ? ", again at \(zone.clockTime(last.at, seenAt: now))" : ""
            paged += [.mention(page.person), .text(" (\(last.level), \(zone.clockTime(page.at, seenAt: now))\(again))")]
        }
        message.line(paged)
        let open = incident.openActionItems
        if open.isEmpty {
            message.line(.text("Open action items: none"))
        } else {
            for item in open {
                message.line([.text("Action \(item.id): "), .mention(item.owner), .text(" "), .userText(item.text)]
                    + (item.dueDay.map { [.text(" · due \($0)")] } ?? []))
            }
        }
        return message
    }
}
