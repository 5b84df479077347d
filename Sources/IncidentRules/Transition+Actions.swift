import IncidentCommands
import IncidentCore
import IncidentPolicy

/// Action items (`/action`): the follow-ups the plans list for every post-mortem, each with an
/// owner and perhaps a due day. The owner is reminded once by a direct message on the due day;
/// an incident cannot be closed while any is open, unless an admin closes it with
/// `--force <why>`, which drops them with the reason.
extension Transition {
    mutating func addAction(_ request: ActionRequest, by actor: PersonID) throws(IncidentError) {
        guard isTrusted(actor) else {
            throw IncidentError(.notAllowed,
                                "Only the incident's responders (people on the roster, those paged for it, and once an IC is named its IC and declarer) can add action items to \(incident.id).")
        }
        let owner = try actionOwner(request)
        var item = ActionItem(number: (incident.actionItems.map(\.number).max() ?? 0) + 1, owner: owner, text: request.text,
                              createdAt: now, createdBy: actor)
        if let due = request.due {
            let day = due.civilDay(from: now, zone: zone)
            guard day.isoDate >= zone.civil(now).isoDate else {
                throw IncidentError(.notAllowed, "\(day.isoDate) is already over; give a due day from today on.")
            }
            item.dueDay = day.isoDate
            // 09:00 on the due day by the owner's own clock when the roster gives one: by the
            // policy's, a Berlin team's New York owner was reminded at 03:00.
            var reminder = day
            reminder.hour = ActionItem.reminderHour
            item.remindAt = max(now, (roster.people[owner]?.zone ?? zone).instant(of: reminder))
        }
        incident.actions = incident.actionItems + [item]
        record(.actionItem, "Action \(item.id) for \(owner.handle): \(item.text)" + (item.dueDay.map { " (due \($0))." } ?? "."))
        post(Messages.actionAdded(item, of: incident, by: actor))
        invite(owner, always: false)
        reply = Messages.reply("Added \(item.id) to \(incident.id) for \(owner.handle).")
    }

    /// The item's owner. `/action fix the alert @dave` reads `fix` as a bare roster key; when
    /// the roster has no such person but someone is mentioned later, the refusal says the owner
    /// comes first instead of only that `@fix` is unknown.
    private func actionOwner(_ request: ActionRequest) throws(IncidentError) -> PersonID {
        do {
            return try reachablePerson(request.owner)
        } catch where error.kind == .unknown {
            guard case .handle(let first) = request.owner else { throw error }
            let words = request.text.split(whereSeparator: \.isWhitespace)
            guard let at = words.firstIndex(where: { word in
                word.hasPrefix("@") || word.hasPrefix("<@") || word.contains("matrix.to/")
            }), let ref = Mention.person(String(words[at])), let later = try? person(ref) else { throw error }
            var rest = [Substring(first)] + words
            rest.remove(at: at + 1)
            let example = rest.prefix(6).joined(separator: " ") + (rest.count > 6 ? " …" : "")
            let owner = ref.isTypist ? ref.description : later.handle
            throw IncidentError(.unknown, "I don't know \(request.owner); the owner comes first, as in \(command: "action \(owner) \(example)").")
        }
    }

    mutating func finishAction(_ number: Int, by actor: PersonID) throws(IncidentError) {
        guard let index = incident.actions?.firstIndex(where: { $0.number == number }) else {
            throw IncidentError(.unknown, "\(incident.id) has no action item A\(number); \(command: "action list \(incident.id)") shows them.")
        }
        let item = incident.actionItems[index]
        guard item.isOpen else { throw IncidentError(.noChange, "\(item.id) of \(incident.id) is already done.") }
        if actor != item.owner {
            // The refusal names the owner too, who may always mark it done.
            do throws(IncidentError) {
                try requireLead(actor, to: "mark someone else's action item done")
            } catch {
                throw IncidentError(error.kind, error.message + " \(item.id)'s owner, \(item.owner.handle), can mark it done too.")
            }
        }
        incident.actions?[index].doneAt = now
        incident.actions?[index].doneBy = actor
        incident.actions?[index].remindAt = nil
        record(.actionItem, "Action \(item.id) done: \(item.text)")
        post(Message(.text("✅ \(item.id) done by "), .mention(actor), .text(": "), .userText(item.text)))
        reply = Messages.reply("\(item.id) of \(incident.id) is done.")
    }

    /// The owner's one reminder, on the due day. Caught up late (the bot was down at 09:00),
    /// outside the owner's working hours, it waits for them; on a later day it says the item
    /// is overdue. A restart at 03:00 the day after told the owner it was "due today".
    mutating func remindOfAction(_ number: Int) {
        guard let index = incident.actions?.firstIndex(where: { $0.number == number }) else { return }
        let item = incident.actionItems[index]
        let due = item.remindAt ?? now
        incident.actions?[index].remindAt = nil
        guard item.isOpen else { return }
        let ownerZone = roster.people[item.owner]?.zone ?? zone
        if now > due + Self.downtime, let opens = (policy.workingHours ?? .office).nextWorkingTime(from: now, in: ownerZone), opens > now {
            incident.actions?[index].remindAt = opens
            return
        }
        let overdue = item.dueDay.map { ownerZone.civil(now).isoDate > $0 } ?? false
        record(.actionItem, "Reminded \(item.owner.handle) of action \(item.id) (due \(item.dueDay ?? "today")).", by: .bot)
        emit(.directMessage(Messages.actionDue(item, of: incident, overdue: overdue), to: item.owner))
    }

    /// Refuses to close an incident with open action items.
    func requireNoOpenActions() throws(IncidentError) {
        let open = incident.openActionItems
        guard !open.isEmpty else { return }
        let ids = open.map(\.id).joined(separator: ", ")
        throw IncidentError(.wrongPhase,
                            "\(incident.id) has \(open.count) open action item\(open.count == 1 ? "" : "s") (\(ids)): mark them done with \(command: "action done"), or an incident admin can close it anyway with \(command: "incident close --force <why>").")
    }

    /// `/incident close --force <why>`: an admin closes with open items, dropped with the reason.
    mutating func forceClose(reason: String, by actor: PersonID) throws(IncidentError) {
        // What is true for anyone first: an open incident cannot be closed, forced or not, and
        // with nothing to force a plain close does it.
        guard incident.phase == .resolved else {
            throw IncidentError(.wrongPhase, "Resolve \(incident.id) before closing it (it is \(incident.phase.rawValue)).")
        }
        let open = incident.openActionItems
        guard !open.isEmpty else {
            throw IncidentError(.noChange, "\(incident.id) has no open action items; close it with \(command: "incident close").")
        }
        guard roster.admins.contains(actor) else {
            throw IncidentError(.notAllowed, "Only an incident admin can close \(incident.id) with open action items.")
        }
        for item in open {
            guard let index = incident.actions?.firstIndex(of: item) else { continue }
            incident.actions?[index].droppedAt = now
            incident.actions?[index].remindAt = nil
        }
        record(.actionItem, "Closed with \(open.map(\.id).joined(separator: ", ")) still open: \(reason)")
        try close()
    }
}
