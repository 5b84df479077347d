import IncidentCore
import IncidentPolicy

/// Answers to the read-only commands; they change nothing and leave no timeline entry.
public enum IncidentQueries {
    /// How long it has been open, or, once resolved, how long it was.
    static func age(_ incident: Incident, now: Timestamp) -> String {
        guard let resolved = incident.resolvedAt else { return "open \(DurationText.format(now - incident.declaredAt))" }
        return "resolved after \(DurationText.format(resolved - incident.declaredAt))"
    }

    /// `/incident status`.
    public static func status(_ incident: Incident, now: Timestamp) -> Message {
        let zone = incident.policy.timeZone
        var message = Message(.strong("\(incident.id) (\(incident.severity)) "), .userText(incident.title),
                              .text(" — \(incident.phase.rawValue)"))
        message.line(.text("Room "), .room(incident.room), .text(" · declared \(zone.dateTime(incident.declaredAt)) by "),
                     .mention(incident.declaredBy), .text(" · " + age(incident, now: now)))
        var roles: [Span] = []
        for role in Role.allCases {
            roles.append(.text((roles.isEmpty ? "" : " · ") + role.title + ": "))
            roles.append(incident.roles[role].map(Span.mention) ?? .text("—"))
        }
        message.line(roles)
        if let call = incident.callLink { message.line(.text("Call: "), .link(url: call.url, label: call.url)) }
        message.line(.text("Status: "), .userText(incident.statusText),
                     .text(" · " + Messages.lastUpdate(incident, now: now)))
        if let due = incident.updateDue, incident.phase == .investigating || incident.phase == .mitigated {
            let overdue = due <= now ? " (overdue, \(incident.missedUpdates) missed)" : ""
            message.line(.text("Next update due \(zone.clockTime(due, seenAt: now))\(overdue)"))
            if let until = incident.snoozedUntil, until > now {
                message.line(.text("Nudges snoozed until \(zone.clockTime(until, seenAt: now))"))
            }
        }
        let clocks = incident.responseClocks
        if !clocks.isEmpty {
            let parts = clocks.map { clock -> String in
                let target = "\(clock.target.rawValue) \(DurationText.format(clock.length)): "
                if let reached = clock.reachedAt {
                    return target + (clock.met == true ? "met" : "missed") + " (\(DurationText.format(reached - incident.declaredAt)))"
                }
                if incident.phase == .resolved || incident.phase == .closed { return target + "not reached" }
                return target + (now > clock.deadline ? "missed" : "\(DurationText.format(clock.deadline - now)) left")
            }
            message.line(.text("Targets: " + parts.joined(separator: " · ")))
        }
        if let detect = incident.timeToDetect, let started = incident.impactStartedAt {
            message.line(.text("Impact started \(zone.dateTime(started)) · detected after \(DurationText.format(detect))"))
        }
        let open = incident.openActionItems
        if !open.isEmpty {
            let overdue = open.filter { $0.isOverdue(at: now, zone: zone) }.map(\.id)
            message.line(.text("Action items: \(open.count) open" + (overdue.isEmpty ? "" : ", overdue: " + overdue.joined(separator: ", "))))
        }
        // Measured as the post-mortem and the report measure it: a later /ack changes nothing.
        if let acknowledged = incident.countsAsAcknowledgedAt {
            // Said as the draft says it: read bare, "acknowledged after 0s" said someone answered
            // who never did. A mitigation that did not hold sets the time and names nobody.
            let answered = incident.acknowledgedAt == acknowledged && incident.acknowledgedBy?.isEmpty == false
            let at = acknowledged == incident.resolvedAt && acknowledged != incident.mitigatedAt ? "resolution" : "mitigation"
            let counted = answered ? "" : " (counted at the \(at), which came before any acknowledgement)"
            message.line(.text("Acknowledged after \(DurationText.format(acknowledged - incident.declaredAt))" + counted))
        } else if incident.phase == .investigating {
            message.line(.text("Not acknowledged yet"))
        }
        return message
    }

    /// `/action list`: the open action items of `incidents` that `filter` keeps (with `asker`
    /// for `--mine`), incident by incident; done and dropped ones too when one incident is asked.
    public static func actions(_ incidents: [Incident], filter: ActionListFilter, asker: PersonID, now: Timestamp,
                               single: Bool) -> Message {
        var lines: [[Span]] = []
        for incident in incidents.sorted(by: { $0.number < $1.number }) {
            let zone = incident.policy.timeZone
            let items = incident.actionItems.filter { item in
                switch filter {
                case .incident: single || item.isOpen
                case .mine: item.isOpen && item.owner == asker
                case .overdue: item.isOverdue(at: now, zone: zone)
                }
            }
            for item in items {
                var line: [Span] = [.strong("\(incident.id) \(item.id) "), .mention(item.owner), .text(" "), .userText(item.text)]
                if let due = item.dueDay { line.append(.text(" · due \(due)" + (item.isOverdue(at: now, zone: zone) ? " (overdue)" : ""))) }
                if let done = item.doneAt { line.append(.text(" · done \(zone.dateTime(done))")) }
                if item.droppedAt != nil { line.append(.text(" · dropped at close")) }
                lines.append(line)
            }
        }
        let title = switch filter {
        case .incident: single ? "Action items of \(incidents.first?.id ?? "")" : "Open action items"
        case .mine: "Your open action items"
        case .overdue: "Overdue action items"
        }
        guard !lines.isEmpty else { return Message(.text(title + ": none.")) }
        let shown = AnswerBudget.fitting(lines)
        var message = Message(lines: [[.strong("\(title) (\(lines.count))")]] + lines.prefix(shown))
        if shown < lines.count {
            let more = Span.text("… and \(lines.count - shown) more, past what one message shows" + (single ? "." : "; "))
            message.line([more] + (single ? [] : [.command("action list INC-N"), .text(" shows one incident's.")]))
        }
        return message
    }

    /// One line of `/incident list`; `detailed` false: a private incident shown to someone who
    /// may not see it, by number, severity and phase only.
    public static func listLine(_ incident: Incident, detailed: Bool = true) -> [Span] {
        guard detailed else {
            return [.strong("\(incident.id) \(incident.severity)"), .text(" \(incident.phase.rawValue) · 🔒 private")]
        }
        return [.strong("\(incident.id) \(incident.severity)"), .text(" \(incident.phase.rawValue) · "), .userText(incident.title),
                .text(" · IC "), incident.commander.map(Span.mention) ?? .text("unassigned"), .text(" · "), .room(incident.room)]
    }

    /// How many incidents `/incident list` names; the rest are counted.
    static let listed = 40

    /// `/incident list`: open incidents, the ones still hurting (investigating, mitigated)
    /// before the resolved ones waiting to be closed, each most severe first, then oldest first;
    /// past `listed` (or what fits in `AnswerBudget`), how many more. Those for which `mayShow` is false (private ones the asker
    /// may not see) without their details. Resolved incidents waiting for their post-mortem
    /// once came first by severity, and a new outage fell past what a platform shows.
    /// `unreadable`: the numbers of open incidents this version cannot read (a newer
    /// version's): named at the end, not left out, as the list is where people look first.
    public static func list(_ incidents: [Incident], unreadable: [Int] = [], mayShow: (Incident) -> Bool = { _ in true }) -> Message {
        guard !unreadable.isEmpty else { return list(incidents, mayShow: mayShow) }
        let ids = unreadable.map { IncidentRef.number($0).description }.joined(separator: ", ")
        let warning = "\(unreadable.count) open this version of the bot cannot read (\(ids)): their reminders and pages wait "
            + "for the version that wrote them."
        guard incidents.contains(where: \.isOpen) else { return Message(.text("⚠️ No open incidents this version can read, and " + warning)) }
        var message = list(incidents, mayShow: mayShow)
        message.line(.text("⚠️ And " + warning))
        return message
    }

    static func list(_ incidents: [Incident], mayShow: (Incident) -> Bool) -> Message {
        let open = incidents.filter(\.isOpen).sorted {
            ($0.phase == .resolved ? 1 : 0, $0.severity.rank, $0.number) < ($1.phase == .resolved ? 1 : 0, $1.severity.rank, $1.number)
        }
        guard !open.isEmpty else { return Message(.text("No open incidents.")) }
        let resolved = open.filter { $0.phase == .resolved }.count
        let header = "Open incidents (\(open.count)" + (resolved > 0 ? ", \(resolved) of them resolved" : "") + ")"
        let all = open.prefix(listed).map { listLine($0, detailed: mayShow($0)) }
        // Past 40, or past what one message shows (long titles), the rest are counted.
        let shown = AnswerBudget.fitting(all)
        var lines: [[Span]] = [[.strong(header)]] + all.prefix(shown)
        if open.count > shown {
            let rest = open.dropFirst(shown)
            lines.append([.text("… and \(rest.count) more (\(rest.filter { $0.phase == .resolved }.count) resolved); "),
                          .command("incident status INC-N"), .text(" shows one.")])
        }
        return Message(lines: lines)
    }
}
