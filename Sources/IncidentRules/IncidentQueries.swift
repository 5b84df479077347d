import IncidentCore
import IncidentPolicy

/// Answers to the read-only commands; they change nothing and leave no timeline entry.
public enum IncidentQueries {
    /// `/incident status`.
    public static func status(_ incident: Incident, now: Timestamp) -> Message {
        let zone = incident.policy.timeZone
        var message = Message(.strong("\(incident.id) (\(incident.severity)) "), .userText(incident.title),
                              .text(" — \(incident.phase.rawValue)"))
        message.line(.text("Room "), .room(incident.room), .text(" · declared \(zone.dateTime(incident.declaredAt)) by "),
                     .mention(incident.declaredBy), .text(" · open \(DurationText.format(now - incident.declaredAt))"))
        var roles: [Span] = []
        for role in Role.allCases {
            roles.append(.text((roles.isEmpty ? "" : " · ") + role.title + ": "))
            roles.append(incident.roles[role].map(Span.mention) ?? .text("—"))
        }
        message.line(roles)
        if let call = incident.callLink { message.line(.text("Call: "), .link(url: call.url, label: call.url)) }
        message.line(.text("Status: "), .userText(incident.statusText),
                     .text(" · last update \(zone.clockTime(incident.lastUpdateAt))"))
        if let due = incident.nextUpdateDue, incident.phase == .investigating || incident.phase == .mitigated {
            let overdue = due <= now ? " (overdue, \(incident.missedUpdates) missed)" : ""
            message.line(.text("Next update due \(zone.clockTime(due))\(overdue)"))
            if let until = incident.snoozedUntil, until > now {
                message.line(.text("Nudges snoozed until \(zone.clockTime(until))"))
            }
        }
        if let acknowledged = incident.acknowledgedAt {
            message.line(.text("Acknowledged after \(DurationText.format(acknowledged - incident.declaredAt))"))
        } else if incident.phase == .investigating {
            message.line(.text("Not acknowledged yet"))
        }
        return message
    }

    /// One line of `/incident list`.
    public static func listLine(_ incident: Incident) -> [Span] {
        [.strong("\(incident.id) \(incident.severity)"), .text(" \(incident.phase.rawValue) · "), .userText(incident.title),
         .text(" · IC "), incident.commander.map(Span.mention) ?? .text("unassigned"), .text(" · "), .room(incident.room)]
    }

    /// `/incident list`: open incidents, most severe first, then oldest first.
    public static func list(_ incidents: [Incident]) -> Message {
        let open = incidents.filter(\.isOpen).sorted { ($0.severity.rank, $0.number) < ($1.severity.rank, $1.number) }
        guard !open.isEmpty else { return Message(.text("No open incidents.")) }
        return Message(lines: [[.strong("Open incidents (\(open.count))")]] + open.map(listLine))
    }
}
