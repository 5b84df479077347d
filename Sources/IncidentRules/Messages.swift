import IncidentCommands
import IncidentCore
import IncidentPolicy

/// The messages the rules send, as platform-neutral values.
enum Messages {
    /// What the room's topic shows of an incident, from which it is written: two states with
    /// equal inputs have the same topic (written at the same moment), so a change that leaves
    /// them equal sets no topic.
    struct TopicInputs: Equatable {
        var severity: Severity
        var commander: PersonID?
        var statusText: String
        /// Whether it shows the next update (or "updates as needed"), and when that is.
        var showsNext: Bool
        var updateDue: Timestamp?
        var callLink: CallLink?

        init(_ incident: Incident) {
            severity = incident.severity
            commander = incident.commander
            statusText = incident.statusText
            showsNext = incident.phase == .investigating || incident.phase == .mitigated
            updateDue = showsNext ? incident.updateDue : nil
            callLink = incident.callLink
        }

        /// `SEV P1 | IC @alice | status: investigating | next update 14:30 UTC | call: https://…`:
        /// most needed first, so a platform that shows less drops the last fields (the call,
        /// which the kickoff and the call's own post carry too), not the time of the next update.
        func topic(zone: LocalZone, now: Timestamp) -> Message {
            var spans: [Span] = [.text("SEV \(severity) | IC ")]
            spans.append(commander.map(Span.mention) ?? .text("unassigned"))
            spans.append(.text(" | status: "))
            // Free text: a `|` in it must not read as another of the topic's fields.
            spans.append(.userText(FreeText.clipped(statusText.escaping(["|": "/"]), to: 40)))
            if showsNext {
                spans.append(.text(" | " + (updateDue.map { "next update " + zone.clockTime($0, seenAt: now) } ?? "updates as needed")))
            }
            if let callLink { spans.append(.text(" | call: " + callLink.url)) }
            return Message(lines: [spans])
        }
    }

    /// The room's topic (`TopicInputs.topic`).
    static func topic(_ incident: Incident, now: Timestamp) -> Message {
        TopicInputs(incident).topic(zone: incident.policy.timeZone, now: now)
    }

    static func kickoff(_ incident: Incident) -> Message {
        let policy = incident.policy
        let rules = policy[incident.severity]
        var message = Message(.strong("🚨 \(incident.id): "), .userText(incident.title))
        message.line(.strong("Severity: "), .text("\(incident.severity) — \(rules.definition)"))
        message.line([.strong("Incident commander: ")]
            + (incident.commander.map { [.mention($0)] } ?? [.text("unassigned — take it with "), .command("ic me")]))
        if let commander = incident.commander, let warning = offRoster(commander) { message.line(warning) }
        message.line(.strong("Declared by: "), .mention(incident.declaredBy),
                     .text(" at " + policy.timeZone.clockTime(incident.declaredAt)))
        if let call = incident.callLink { message.line(.strong("📞 Call: "), .link(url: call.url, label: call.url)) }
        if incident.isPrivate {
            message.line(.strong("🔒 Private: "), .text("nothing goes to the broadcast channel; pages and direct messages name "
                + "\(incident.id) by number only. Invite only those who need to know."))
        }
        if let runbook = rules.runbook { message.line(.strong("Runbook: "), .link(url: runbook, label: runbook)) }
        if let due = incident.updateDue {
            let every = policy.updateInterval(incident.severity).map(DurationText.format) ?? ""
            message.line(.strong("Next status update due: "),
                         .text("\(policy.timeZone.clockTime(due, seenAt: incident.declaredAt)) (every \(every))"))
        } else {
            message.line(.strong("Status updates: "), .text("as needed"))
        }
        message.line(.strong("Commands:"))
        for name in CommandHelp.cheatSheet {
            message.line([.text("  ")] + BotText.command(typed: CommandManual.entry(name).syntax[0]).spans)
        }
        message.actions = [.postUpdate]
        return message
    }

    /// The call's link, posted in the room when it is set or changed (`by` nil: from the
    /// severity's template, on a raise).
    static func call(_ link: CallLink, for incident: Incident, by actor: PersonID?) -> Message {
        let who: [Span] = actor.map { [.text(" (set by "), .mention($0), .text(")")] } ?? []
        return Message(lines: [[.text("📞 Call for \(incident.id): "), .link(url: link.url, label: link.url)] + who])
    }

    static func actionAdded(_ item: ActionItem, of incident: Incident, by actor: PersonID) -> Message {
        var spans: [Span] = [.text("📌 \(item.id) for "), .mention(item.owner), .text(": "), .userText(item.text)]
        if let due = item.dueDay { spans.append(.text(" · due \(due)")) }
        spans += [.text(" (added by "), .mention(actor), .text(")")]
        return Message(lines: [spans])
    }

    /// The owner's reminder, by direct message, on the due day. It points to the incident's
    /// room: an owner the bot does not otherwise trust (not on the roster), or anyone about a
    /// private incident on Matrix, is refused a change typed outside it.
    static func actionDue(_ item: ActionItem, of incident: Incident, overdue: Bool = false) -> Message {
        let when = overdue ? "was due \(item.dueDay ?? "earlier")" : "is due today"
        var message = Message(.strong("📌 \(incident.id) \(item.id) \(when): "), .userText(item.text))
        message.line((incident.isPrivate ? [.text("From a private incident")] : [.text("From "), .room(incident.room)])
            + [.text(". When it is done, type "), .command("action done \(item.id)"), .text(" in its room.")])
        return message
    }

    /// How a message that leaves the room (a page, a direct message) opens: the number,
    /// severity and title, or for a private incident only that it is private.
    static func outsideHeading(_ incident: Incident, _ emoji: String) -> [Span] {
        [.strong("\(emoji) \(incident.id) (\(incident.severity)): "), incident.isPrivate ? .text("a private incident") : .userText(incident.title)]
    }

    static func targetWarning(_ incident: Incident, _ clock: ResponseClock, left: String, now: Timestamp) -> Message {
        Message(.text("⏳ \(incident.id): the \(incident.severity) target \(clock.target.phrase) "
            + "(\(DurationText.format(clock.length))) runs out at \(incident.policy.timeZone.clockTime(clock.deadline, seenAt: now)), \(left) from now."))
    }

    static func targetMissed(_ incident: Incident, _ clock: ResponseClock, now: Timestamp) -> Message {
        Message(.text("⌛ \(incident.id) missed its \(incident.severity) target \(clock.target.phrase) "
            + "(\(DurationText.format(clock.length)), due \(incident.policy.timeZone.clockTime(clock.deadline, seenAt: now)))."))
    }

    static func snoozed(_ incident: Incident, until: Timestamp, by actor: PersonID, now: Timestamp) -> Message {
        Message(.text("🔕 "), .mention(actor), .text(" snoozed status-update nudges for \(incident.id) until "
            + "\(incident.policy.timeZone.clockTime(until, seenAt: now)). Pages still go out. End it early with "), .command("incident snooze off"),
                .text("."))
    }

    static func announcement(_ incident: Incident) -> Message {
        var message = Message(.strong("🚨 \(incident.id) declared (\(incident.severity)): "), .userText(incident.title))
        message.line(.text("Room: "), .room(incident.room), .text(" · declared by "), .mention(incident.declaredBy))
        return message
    }

    /// The broadcast channel's first word of an incident made public after it was declared: its
    /// phase now, not "declared", so a resolved one does not read as a new outage.
    static func madePublic(_ incident: Incident) -> Message {
        var message = Message(.strong("🔓 \(incident.id) (\(incident.severity), \(incident.phase.rawValue)) made public: "),
                              .userText(incident.title))
        message.line(.text("Room: "), .room(incident.room), .text(" · declared by "), .mention(incident.declaredBy))
        return message
    }

    /// `snoozedUntil`: the nudge comes at the end of a snooze that kept `due` quiet.
    /// `last`: the policy's most nudges in a row is reached; it says that no more come until
    /// an update.
    static func nudge(_ incident: Incident, due: Timestamp, snoozedUntil: Timestamp? = nil, missed: Int, step: Transition.MissedUpdateStep?,
                      recipients: [PersonID], now: Timestamp, last: Bool = false) -> Message {
        let zone = incident.policy.timeZone
        var spans: [Span] = [.text("⏰ ")]
        for person in recipients { spans += [.mention(person), .text(" ")] }
        let snooze = snoozedUntil.map { ", nudges snoozed until \(zone.clockTime($0, seenAt: now))" } ?? ""
        spans.append(.text("a status update for \(incident.id) is overdue (due \(zone.clockTime(due, seenAt: now))\(snooze); "))
        let every = incident.policy.updateInterval(incident.severity).map(DurationText.format) ?? "-"
        spans.append(.text("\(incident.severity) updates every \(every)). Post one with "))
        spans.append(.command("update <what changed>"))
        var message = Message(lines: [spans], kind: .nudge)
        let count = missed == 1 ? "1 update missed" : "\(missed) updates missed in a row"
        switch step {
        case nil: break
        case .paged: message.line(.text("\(count): escalating to the next level."))
        case .pagedTheCommander:
            message.line(.text("\(count): nobody is above the incident commander on the ladder, so they were paged and nobody new was; page someone by hand for more help."))
        case .repeatedAtTop: message.line(.text("\(count): the top of the ladder is paged again; there is no level above it."))
        case .heldForWorkingHours:
            // Whose hours: the policy's, or the person's on another zone's clock (a team lead
            // in New York is not paged at 09:00 in London).
            let opens = incident.ladders.values.filter { $0.heldPage != nil }.compactMap(\.nextStepAt).min()
            let until = opens.map { ", until \(zone.clockTime($0, seenAt: now))" } ?? ""
            message.line(.text("\(count): the next page waits for working hours\(until)."))
        case .topPagedRecently(let at, let ladder):
            message.line(.text("\(count): the top of the \(ladder) ladder was paged at \(zone.clockTime(at, seenAt: now)); it is not paged again so soon."))
        case .skippedOutsideWorkingHours: message.line(.text("\(count); nobody further is paged outside working hours."))
        case .unfilled(let level): message.line(.text("\(count): nobody fills \(level) in the roster, so nobody was paged; page them by hand."))
        case .nobodyFurther:
            let mitigation = incident.phase == .mitigated
                && incident.policy.ladders.contains { $0.stepsOnMissedUpdate && $0.stopOn.contains(.mitigated) }
            if mitigation {
                message.line(.text("\(count); nobody further is paged while the incident is mitigated. If the problem is back: "),
                             .command("update \(incident.id) status: investigating"), .text("."))
            } else {
                message.line(.text("\(count); nobody further is paged."))
            }
        }
        if last {
            message.line(.text("This is the last nudge for \(incident.id) until an update: \(missed) in a row. "
                               + "Missed updates still page as the policy sets; "), .command("update <what changed>"), .text(" starts nudges again."))
        }
        message.actions = [.postUpdate]
        return message
    }

    /// The reminder names the open action items that keep the incident open: `/incident close`
    /// refuses while any is open, and a reminder that said only "close it when it is done" came
    /// every day to an IC who had written the post-mortem and could not close it.
    /// `dueDay`: the day it fell due when that is an earlier day than today's (a reminder
    /// repeated, or caught up after the bot was down), as an action item's reminder says it.
    static func postmortemReminder(_ incident: Incident, owner: PersonID, dueDay: String? = nil) -> Message {
        let when = dueDay.map { "was due \($0)" } ?? "is due"
        var line: [Span] = [.text("📝 "), .mention(owner), .text(" the post-mortem for \(incident.id) \(when). Draft it with "),
                            .command("incident postmortem"), .text(", then "), .command("incident close")]
        let open = incident.openActionItems
        if open.isEmpty {
            line.append(.text(" when it is done."))
        } else {
            let ids = open.map(\.id).joined(separator: ", ")
            line.append(.text(open.count == 1 ? " once it is done and its open action item \(ids) too (" : " once it is done and its \(open.count) open action items (\(ids)) too ("))
            line += [.command("action done"), .text(").")]
        }
        return Message(lines: [line], kind: .reminder)
    }

    static func pageHeld(_ incident: Incident, ref: LevelRef, role: String, until opens: Timestamp, hours: String) -> Message {
        let zone = incident.policy.timeZone
        // Only a severity that pages around the clock pages now: a raise from P3 to P2 waits too.
        let now = Severity.allCases.reversed().filter { $0.isMoreSevere(than: incident.severity) && incident.policy[$0].workingHoursOnly != true }
        let raise = now.isEmpty ? "" : " Raise it to \(now.map(\.rawValue).joined(separator: " or ")) to page now."
        return Message(.strong("🌙 Outside working hours: "),
                       .text("the page for \(ref) (\(role)) waits until \(zone.dateTime(opens)) (\(incident.severity) pages \(hours))." + raise))
    }

    static func unfilledLevel(_ ref: LevelRef, role: String) -> Message {
        Message(.strong("⚠️ Could not page \(ref) (\(role)): "), .text("no one fills it in the roster. Page them by hand."))
    }

    /// A change after the resolution (for the record) says so in its heading, as an update
    /// does: in the broadcast room it must not read as a live escalation.
    static func severityChanged(_ incident: Incident, from old: Severity, by actor: PersonID, reason: String?) -> Message {
        let verb = incident.severity.isMoreSevere(than: old) ? "raised" : "lowered"
        let over = incident.phase == .resolved || incident.phase == .closed ? " (\(incident.phase.rawValue), for the record)" : ""
        var message = Message(.strong("\(incident.id) severity \(verb) \(old) → \(incident.severity)\(over)"), .text(" by "), .mention(actor))
        if let reason { message.line(.text("Reason: "), .userText(reason)) }
        message.line(.text(incident.policy[incident.severity].definition))
        return message
    }

    /// The room hears that the page was answered and the ladder stopped, whoever answered
    /// and wherever (a chat of another platform, a call's keypress, PagerDuty): the answer to
    /// `/ack` is the asker's alone. A name, not a mention: nobody is woken by it.
    static func acknowledged(by person: PersonID, how: Span, stopping ladders: [String]) -> Message {
        let stopped = ladders.count == 1 ? "the \(ladders[0]) ladder has stopped" : "the \(ladders.joined(separator: " and ")) ladders have stopped"
        return Message(.strong("✅ Acknowledged: "), .text("\(person.handle) answered the page ("), how, .text("); \(stopped)."))
    }

    /// Someone off the roster named to a role is named by their account as well, in code: a
    /// client shows a mention by the account's display name, which its owner picks, and a
    /// stranger who took a responder's name was made IC by a mistaken completion and read as
    /// that responder in the room.
    static func roleAssigned(_ role: Role, _ person: PersonID, by actor: PersonID) -> Message {
        var message = Message(.mention(person), .text(" is now the \(role.title)"), .text(" (assigned by "), .mention(actor), .text(")."))
        if let warning = offRoster(person) { message.line(warning) }
        return message
    }

    /// The line that names someone off the roster by their account (nil for a roster person),
    /// wherever they are named to a role: `/ic`, `/role`, a declaration's `--ic`.
    static func offRoster(_ person: PersonID) -> [Span]? {
        guard !person.isOnRoster else { return nil }
        return [.text("⚠️ Not on the roster: the account is "), .code(person.handle), .text(". If that is not who was meant, name someone else.")]
    }

    /// An update after the resolution says so in its heading: its typed status (even
    /// `investigating`) must not read, in the broadcast room, as the incident back on.
    static func statusUpdate(_ incident: Incident, _ update: StatusUpdate, by actor: PersonID, now: Timestamp) -> Message {
        let over = incident.phase == .resolved || incident.phase == .closed ? ", \(incident.phase.rawValue)" : ""
        var message = Message(.strong("📣 \(incident.id) update (\(incident.severity)\(over)) "), .text("from "), .mention(actor))
        // Someone off the roster is named by their account as well: the broadcast channel
        // reads the update as the incident's word, and a client shows the mention by a display
        // name its owner picks (an outsider named “frank” read as the responder).
        if !actor.isOnRoster { message.lines[0] += [.text(" (not on the roster: "), .code(actor.handle), .text(")")] }
        if !update.text.isEmpty {
            for line in update.text.split(separator: "\n", omittingEmptySubsequences: false) {
                message.line(.userText(String(line)))
            }
        }
        for field in update.fields {
            // A status given after the resolution does not take: read bare in the broadcast
            // room, `Status: investigating` announced the incident back on.
            let stays: [Span] = over.isEmpty || field.label != "status" ? []
                : [.text(" (on its record only: \(incident.id) stays \(incident.phase.rawValue))")]
            message.line([.strong(field.label.capitalized + ": "), .userText(field.value)] + stays)
        }
        if let due = incident.updateDue {
            message.line(.text("Next update due \(incident.policy.timeZone.clockTime(due, seenAt: now))."))
        }
        return message
    }

    static func note(_ text: String, by actor: PersonID) -> Message {
        Message(.text("📝 Note from "), .mention(actor), .text(": "), .userText(text))
    }

    static func phaseChanged(_ incident: Incident, by actor: PersonID) -> Message {
        let text: String = switch incident.phase {
        case .investigating: "is being investigated"
        case .mitigated: "is mitigated"
        case .resolved: "is resolved"
        case .closed: "is closed"
        }
        var message = Message(.strong("✅ \(incident.id) \(text)"), .text(" ("), .mention(actor), .text("): "), .userText(incident.title))
        if incident.phase == .resolved, let summary = incident.summary { message.line(.text("Summary: "), .userText(summary)) }
        if incident.phase == .resolved, let due = incident.nextPostmortemReminder {
            message.line(.text("Post-mortem due \(incident.policy.timeZone.dateTime(due))."))
        }
        return message
    }

    /// Said in the room and the broadcast channel when a responder sets a mitigated incident
    /// back to investigating.
    static func mitigationNotHeld(_ incident: Incident, by actor: PersonID) -> Message {
        Message(.strong("🔁 \(incident.id) is being investigated again"), .text(" ("), .mention(actor), .text("): the mitigation did not hold. "),
                .userText(incident.title))
    }

    static func reply(_ text: String) -> Message { Message(.text(text)) }

    /// `last update 10:30 UTC`, or, before any update that counts, `no update yet (declared
    /// 10:00 UTC)`: the declaration's time read as an update that went out at 3 a.m.
    static func lastUpdate(_ incident: Incident, now: Timestamp) -> String {
        let zone = incident.policy.timeZone
        return incident.hasUpdate ? "last update \(zone.clockTime(incident.lastUpdateAt, seenAt: now))"
                                                           : "no update yet (declared \(zone.clockTime(incident.declaredAt, seenAt: now)))"
    }

    /// A reply naming commands or rooms, each shown as its platform shows it.
    static func reply(_ text: BotText) -> Message { Message(lines: [text.spans]) }
}
