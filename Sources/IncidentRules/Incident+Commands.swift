import IncidentCore
import IncidentPolicy

extension Incident {
    /// Carries out `command` by `actor` at `now`. Throws, changing nothing, when the command is
    /// not allowed for this person or in this phase. Anything that falls due by `now` fires too.
    ///
    /// Queries (`status`, `escalation`, `postmortem`, `list`, `help`) are answered by
    /// `IncidentQueries` and are refused here; `declare` is `Incident.declare`.
    ///
    /// `venue` is where it was typed; `community` says which unlisted accounts may be named IC
    /// or given a role.
    /// `roomMadePrivate`: its rooms (its home platform's, and the other's when mirrored) were
    /// made private, under a name that tells nothing, though the incident was declared public
    /// (it turned private before they were made); what `/incident private` says of the room.
    /// Only the store knows it.
    public func handling(_ command: Command, by actor: PersonID, in venue: Venue = .incidentRoom, at now: Timestamp,
                         roster: Roster, community: Community = .everyone, roomMadePrivate: Bool = false) throws(IncidentError) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: actor, venue: venue, community: community)
        transition.roomMadePrivate = roomMadePrivate
        try transition.apply(command)
        transition.fireDue()
        return transition.finish()
    }
}

extension Incident {
    /// An acknowledgement from outside chat (a mail link, a keypress, an SMS reply, PagerDuty)
    /// by the paged `person`: the same rules as their `/ack`, recorded with `how` it came.
    public func acknowledging(by person: PersonID, how: String, at now: Timestamp, roster: Roster) throws(IncidentError) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: person, venue: .elsewhere)
        guard phase != .closed else {
            throw IncidentError(.wrongPhase, "\(id) is closed; there is no page to acknowledge.")
        }
        try transition.acknowledgePage(by: person, how: .text(how))
        transition.fireDue()
        return transition.finish()
    }
}

extension Transition {
    mutating func apply(_ command: Command) throws(IncidentError) {
        guard let actor, !command.isQuery, !isDeclaration(command) else {
            throw IncidentError(.notAChange, "\(command) does not change \(incident.id).")
        }
        guard incident.phase != .closed else {
            throw IncidentError(.wrongPhase, "\(incident.id) is closed; its record can no longer change.")
        }
        // An acknowledgement is taken wherever the page landed; whether its author was paged
        // is the question, and the refusal says who was.
        if case .ack = command {} else { try requireVenue(actor) }
        switch command {
        case .severity(let severity, let reason):
            try requireLead(actor, to: "change the severity")
            try changeSeverity(to: severity, reason: reason)
        case .commander(let ref):
            try requireLead(actor, to: "assign the incident commander")
            try assign(.commander, to: reachablePerson(ref))
        case .role(let role, let ref):
            try requireLead(actor, to: "assign roles")
            if let ref { try assign(role, to: reachablePerson(ref)) } else { try unassign(role) }
        case .update(let update):
            try postUpdate(update)
        case .ack:
            try acknowledgePage(by: actor, how: .command("ack"))
        case .note(let text):
            record(.note, text)
            post(Messages.note(text, by: actor))
            reply = Messages.reply("Noted on the \(incident.id) timeline.")
        case .mitigated:
            try requireLead(actor, to: "mark the incident mitigated")
            try markMitigated()
        case .resolve(let summary):
            try requireLead(actor, to: "resolve the incident")
            try resolve(summary: summary)
        case .close:
            try requireLead(actor, to: "close the incident")
            try close()
        case .snooze(let duration):
            try snooze(for: duration, by: actor)
        case .call(let link):
            try setCall(link, by: actor)
        case .forceClose(let reason):
            try requireLead(actor, to: "close the incident")
            try forceClose(reason: reason, by: actor)
        case .action(let request):
            try addAction(request, by: actor)
        case .actionDone(let number):
            try finishAction(number, by: actor)
        case .impactStarted(let start):
            try setImpactStart(start, by: actor)
        case .handover(let ref, let note):
            try requireLead(actor, to: "hand over the incident commander role")
            try handOver(to: reachablePerson(ref), note: note, by: actor)
        case .makePrivate:
            try makePrivate(by: actor)
        case .makePublic:
            try makePublic(by: actor)
        case .declare, .status, .list, .postmortem, .escalation, .help, .actionList, .pin:
            throw IncidentError(.notAChange, "\(command) does not change \(incident.id).")
        }
    }

    func isDeclaration(_ command: Command) -> Bool {
        if case .declare = command { return true }
        return false
    }

    mutating func changeSeverity(to severity: Severity, reason: String?) throws(IncidentError) {
        let old = incident.severity
        guard severity != old else { throw IncidentError(.noChange, "\(incident.id) is already \(severity).") }
        let deadlines = Dictionary(incident.responseClocks.map { ($0.target, $0.deadline) }, uniquingKeysWith: { first, _ in first })
        incident.severity = severity
        let verb = severity.isMoreSevere(than: old) ? "Raised" : "Lowered"
        record(.severityChanged, "\(verb) severity \(old) → \(severity)" + (reason.map { ": \($0)" } ?? "."))
        retimeCadence(from: old)
        retimeLadders(from: old)
        carryTargetNotices(deadlines)
        let hadCall = incident.callLink != nil
        if severity.isMoreSevere(than: old), incident.phase == .investigating || incident.phase == .mitigated { startCallFromTemplate() }
        updateTopic()
        let message = Messages.severityChanged(incident, from: old, by: actor!, reason: reason)
        post(message)
        if !hadCall, let link = incident.callLink { post(Messages.call(link, for: incident, by: nil)) }
        post(message, to: .broadcast)
        if severity.isMoreSevere(than: old), incident.phase == .investigating || incident.phase == .mitigated {
            startLadders()
            pageAtOnce()
        }
        reply = Messages.reply("\(incident.id) is now \(severity).")
        // Raised while mitigated: the ladders the mitigation stopped stay stopped, which the
        // one raising it most likely does not expect.
        if severity.isMoreSevere(than: old), incident.phase == .mitigated,
           policy.ladders.contains(where: { incident.ladders[$0.id]?.stopped == .mitigated }) {
            reply?.line(.text("It is mitigated, so the ladders its mitigation stopped do not climb. If the problem is back: "),
                        .command("update \(incident.id) status: investigating"), .text("."))
        }
    }

    /// After a severity change the next update is due one new interval after the last update,
    /// or one new interval from now if that time has already passed.
    mutating func retimeCadence(from old: Severity) {
        if incident.phase == .resolved, let resolved = incident.resolvedAt {
            // Once a reminder has gone out, reminders are under way and go on a day after the
            // last, whether the new severity's first is earlier or later (moving them would post
            // again what was posted, or skip days), and across a spell at a severity with no
            // post-mortem (P3), which has none. Until one has, the new severity's first: at once
            // when it has passed. A record from before the last reminder's time was kept says
            // "under way" by a next reminder that is not the old severity's first.
            let oldFirst = policy[old].postmortemDue.map { resolved + $0 }
            let first = policy[incident.severity].postmortemDue.map { resolved + $0 }
            let running = incident.nextPostmortemReminder
            if first == nil {
                incident.nextPostmortemReminder = nil
            } else if let running, incident.postmortemRemindedAt != nil || running != oldFirst {
                incident.nextPostmortemReminder = running
            } else if let last = incident.postmortemRemindedAt {
                incident.nextPostmortemReminder = last + policy.postmortemReminderStep
            } else {
                incident.nextPostmortemReminder = first
            }
        }
        guard incident.phase == .investigating || incident.phase == .mitigated else { return }
        guard let interval = policy.updateInterval(incident.severity) else {
            // No updates are owed at this severity: misses before it are not "in a row" with
            // misses after a raise, which would page up the ladder on the first one.
            incident.nextUpdateDue = nil
            incident.missedUpdates = 0
            return
        }
        // A snooze ended over a deadline whose nudge waits for working hours (`updateDue`): the
        // update stays owed, and is nudged when the new severity's hours allow, now for one that
        // pages around the clock. Retimed from the last update, the miss was dropped, and a P2
        // raised to P1 in the evening paged the team lead half an hour later than unsnoozed.
        if let until = incident.snoozedUntil, until <= now,
           let deadline = incident.nextUpdateDue.map({ policy.updateDeadline(at: incident.severity, $0) }), deadline < until {
            incident.snoozedUntil = now
            return
        }
        let fromLastUpdate = incident.lastUpdateAt + interval
        incident.nextUpdateDue = fromLastUpdate > now ? fromLastUpdate : now + interval
    }

    mutating func assign(_ role: Role, to person: PersonID) throws(IncidentError) {
        guard incident.roles[role] != person else {
            throw IncidentError(.noChange, "\(person.handle) is already the \(role.title) of \(incident.id).")
        }
        let before = incident.roles[role]
        incident.roles[role] = person
        record(.roleAssigned, "\(person.handle) is the \(role.title)" + (before.map { " (was \($0.handle))." } ?? "."))
        invite(person, always: true)
        if role == .commander { updateTopic() }
        post(Messages.roleAssigned(role, person, by: actor!))
        if role == .commander, incident.phase == .investigating || incident.phase == .mitigated {
            acknowledge(by: person, how: "named incident commander")
        }
        reply = Messages.reply("\(person.handle) is now the \(role.title) of \(incident.id).")
    }

    /// `/role comms none`: nobody holds the role now. Its holder stays in the room, and is
    /// nudged no more as its holder. (Not the IC's: the commander hands over to someone, `/ic`.)
    mutating func unassign(_ role: Role) throws(IncidentError) {
        guard role != .commander else {
            throw IncidentError(.notAllowed, "An incident keeps its incident commander; hand the role over with \(command: "ic @someone").")
        }
        guard let before = incident.roles[role] else {
            throw IncidentError(.noChange, "Nobody is the \(role.title) of \(incident.id).")
        }
        incident.roles[role] = nil
        record(.roleAssigned, "Nobody is the \(role.title) now (was \(before.handle)).")
        post(Message(.text("Nobody is the \(role.title) now; "), .mention(before), .text(" was (changed by "), .mention(actor!), .text(").")))
        reply = Messages.reply("Nobody is the \(role.title) of \(incident.id) now.")
    }

    /// Anyone served may post an update. Only one from someone trusted with the incident, or
    /// from someone a nudge asks for it (a role holder, the declarer), restarts the update
    /// timer and sets the topic's status: missed updates page up the engineering ladder, and
    /// an update from a bystander typed every few minutes would keep that page from going out.
    ///
    /// The topic's status is the phase's word once the incident is resolved, and while it is
    /// open a typed status names no phase but its own: a phase is set by its command (a typed
    /// `status: resolved` on an incident still paging would tell everyone reading the topic that
    /// it is over). The one way back is `status: investigating` on a mitigated incident, from
    /// one of its responders: the mitigation did not hold (`resumeAfterMitigation`). The phase a
    /// status names is its first word, whatever
    /// follows it or comes before it: `Resolved!`, `*resolved*` and `mitigated - monitoring` name one as `resolved` does,
    /// and so do its look-alikes folded to ASCII (`Résolved`, full-width `ｒｅｓｏｌｖｅｄ`).
    mutating func postUpdate(_ update: StatusUpdate) throws(IncidentError) {
        let actor = actor!
        // Once an IC is named, a declarer off the roster does not hold off the missed-update
        // steps that page when the IC goes quiet (unless the IC gave them a role).
        let roleHolder = incident.roles.values.contains(actor)
        let unlistedDeclarer = actor == incident.actingDeclarer && incident.commander != nil && actor != incident.commander && !declarerLeads
        let counts = roleHolder || !unlistedDeclarer && (isTrusted(actor) || actor == incident.actingDeclarer)
        var mitigationNotHeld = false
        if incident.phase == .investigating || incident.phase == .mitigated, let status = update.status.map(Incident.phaseWordFolded),
           let phase = Incident.Phase(rawValue: String(status.lowercased().drop { !$0.isLetter }.prefix { $0.isLetter })), phase != incident.phase {
            if phase == .investigating {
                // Paging starts again: only from someone whose update would count, or from the
                // declarer off the roster, who saw it first and may see it back first. That
                // stops and slows no page, so it is theirs to say after an IC is named too,
                // though their update still restarts no timer.
                guard counts || unlistedDeclarer else {
                    throw IncidentError(.notAllowed, "Only \(incident.id)'s responders (its IC, roles and declarer, the roster, the people paged) "
                        + "can set it back to investigating; tell one of them the problem is back, or give another status.")
                }
                mitigationNotHeld = true
            } else {
                let command = phase == .closed ? "incident close" : "incident \(phase == .mitigated ? "mitigated" : "resolve")"
                throw IncidentError(.wrongPhase, "status: \(phase.rawValue) is set by \(command: command), not by an update; "
                    + "use that, or give another status (like monitoring).")
            }
        }
        if mitigationNotHeld { resumeAfterMitigation() }
        // The status that set it back is the topic's, whoever gave it: the topic must not go
        // on reading as mitigated.
        if counts || mitigationNotHeld, let status = update.status, incident.phase == .investigating || incident.phase == .mitigated {
            incident.statusText = status
        }
        if counts {
            incident.lastUpdateAt = now
            incident.updated = true
            incident.missedUpdates = 0
            dropHeldMissedUpdatePages()
            if incident.phase == .investigating || incident.phase == .mitigated {
                incident.nextUpdateDue = policy.updateInterval(incident.severity).map { now + $0 }
            }
        }
        let summary = ([update.text] + update.fields.map { "\($0.label): \($0.value)" }).filter { !$0.isEmpty }
        record(counts ? .statusUpdate : .bystanderUpdate, summary.joined(separator: " | "))
        updateTopic()
        let message = Messages.statusUpdate(incident, update, by: actor, now: now)
        post(message)
        post(message, to: .broadcast)
        let posted: BotText = incident.isPrivate ? "Update posted to \(incident.id)'s room (private: not to the broadcast channel)."
                                                 : "Update posted to \(room: incident.room) and the broadcast channel."
        reply = Messages.reply(counts ? posted : posted + (unlistedDeclarer
            ? " It does not restart the update timer: once an IC is named, only the updates of the incident's responders (its IC and roles, the roster, the people paged) do."
            : " It does not restart the update timer: only the updates of the incident's responders (its IC, roles and declarer, the roster, the people paged) do."))
        if mitigationNotHeld {
            reply?.line(.text("\(incident.id) is investigating again: the ladders its mitigation stopped climb on; "), .command("incident escalation \(incident.id)"),
                        .text(" shows who is paged next."))
        }
        // An update typed while someone else resolved the incident: its author learns that its
        // status did not take, and what to do if the problem is back.
        replyAddsToPost = !counts
        if incident.phase == .resolved, let resolvedAt = incident.resolvedAt {
            // Said to its author wherever it was typed, the room included (on Matrix a
            // trusted author's reply is otherwise taken for the room's post and dropped).
            replyAddsToPost = true
            let resolved = "\(incident.id) was resolved at \(policy.timeZone.clockTime(resolvedAt, seenAt: now)) and stays resolved"
                + (update.status.map { ": the status “\($0)” is on its record only." } ?? ".")
            reply?.line(.text(resolved + " If the problem is back, declare it again: "), .command("incident declare"), .text("."))
        }
    }

    mutating func markMitigated() throws(IncidentError) {
        guard incident.phase == .investigating else {
            throw IncidentError(.wrongPhase, "\(incident.id) is already \(incident.phase.rawValue).")
        }
        incident.mitigatedAt = now
        enter(.mitigated, recording: .mitigated, "Mitigated.")
        stopLadders(on: .mitigated, detail: "mitigated")
    }

    mutating func resolve(summary: String?) throws(IncidentError) {
        guard incident.phase == .investigating || incident.phase == .mitigated else {
            throw IncidentError(.wrongPhase, "\(incident.id) is already \(incident.phase.rawValue).")
        }
        incident.resolvedAt = now
        incident.summary = summary
        incident.nextUpdateDue = nil
        incident.nextPostmortemReminder = policy[incident.severity].postmortemDue.map { now + $0 }
        enter(.resolved, recording: .resolved, "Resolved" + (summary.map { ": \($0)" } ?? "."))
        stopLadders(on: .resolved, detail: "resolved")
        settlePages(.resolved, of: Set(policy.ladders.map(\.id)))
    }

    mutating func close() throws(IncidentError) {
        guard incident.phase == .resolved else {
            throw IncidentError(.wrongPhase, "Resolve \(incident.id) before closing it (it is \(incident.phase.rawValue)).")
        }
        try requireNoOpenActions()
        incident.closedAt = now
        incident.nextPostmortemReminder = nil
        stopAllLadders()
        enter(.closed, recording: .closed, "Closed.", broadcast: false)
    }

    /// Moves the incident to `phase`: the status shown, the timeline entry, the topic, and the
    /// announcement in the room (and the broadcast channel).
    mutating func enter(_ phase: Incident.Phase, recording kind: TimelineEntry.Kind, _ text: String, broadcast: Bool = true) {
        incident.phase = phase
        incident.statusText = phase.rawValue
        record(kind, text)
        updateTopic()
        let message = Messages.phaseChanged(incident, by: actor!)
        post(message)
        if broadcast { post(message, to: .broadcast) }
        reply = Messages.reply("\(incident.id) is \(phase.rawValue).")
    }
}

extension Incident {
    /// A typed status as `postUpdate` reads the phase word in it: when it is not ASCII already,
    /// without the joiners and marks that show nothing (`re\u{200D}solved`), and folded to ASCII
    /// (`Résolved`, a full-width `ｒｅｓｏｌｖｅｄ`, a bold 𝐫𝐞𝐬𝐨𝐥𝐯𝐞𝐝), so a look-alike cannot pass
    /// for a status that names no phase and tell the topic's readers an incident still paging
    /// is over.
    static func phaseWordFolded(_ status: String) -> String {
        ASCIIFolding.fold(ASCIIFolding.visibleOnly(String(status.prefix(40))))
    }
}
