import IncidentCore
import IncidentPolicy

/// `/ack`, and every other answer to a page (a text, a link, a keypress): who may answer for a
/// ladder an acknowledgement stops, and what the answer stops.
extension Transition {
    /// `how` the answer came, as the room is told: `.command("ack")` for a typed `/ack`, which
    /// each platform shows as its people type it (`!ack` on Matrix).
    mutating func acknowledgePage(by person: PersonID, how: Span) throws(IncidentError) {
        guard incident.phase == .investigating || incident.phase == .mitigated else {
            throw IncidentError(.wrongPhase, "\(incident.id) is \(incident.phase.rawValue); there is no page to acknowledge.")
        }
        if incident.acknowledgedBy?.contains(person) == true {
            // Named IC by someone else, they acknowledged nothing themselves: taking the role did.
            if incident.commander == person {
                throw IncidentError(.noChange, "You are \(incident.id)'s incident commander, which acknowledges its page; nothing more to do. Thank you.")
            }
            throw IncidentError(.noChange, "You already acknowledged \(incident.id); nothing more to do. Thank you.")
        }
        let ackable = policy.askingLadders
        // A page withdrawn before it went out reached nobody: it lets nobody answer for the
        // ladder. A bare `ACK` texted for another incident landed here and stopped a climb whose
        // page its sender never saw (theirs had gone to the rotation's next person). Nor does
        // one handed on by the rotation before it reached its person, though not withdrawn yet.
        let sent = incident.pages.filter { incident.asksForAnswer($0) }
        let theirPages = sent.filter { $0.person == person }
        guard theirPages.contains(where: { ackable.contains($0.level.ladder) }) else {
            if let ladder = theirPages.first?.level.ladder {
                // When it stops, not who stops it: with no IC named, any responder may mark it.
                let phase = policy.ladder(ladder)?.stopOn.contains(.mitigated) == false ? "resolved" : "mitigated"
                let when = incident.ladders[ladder]?.stopped.map { "it stopped when \(incident.id) was \($0.rawValue)" }
                    ?? "it stops once \(incident.id) is marked \(phase)"
                throw IncidentError(.notAllowed, "You were notified on the \(ladder) ladder, which \(command: "ack") does not stop; \(when).")
            }
            // A private incident's refusal names nobody: an acknowledgement is taken anywhere,
            // and on Matrix the answer is posted for whichever room it was typed in.
            let paged = incident.isPrivate ? [] : Set(sent.filter { ackable.contains($0.level.ladder) }.map(\.person))
            let names = paged.sorted().map { "\($0.handle)" }.joined(separator: ", ")
            // Nobody paged yet: the first page waits for working hours. The on-call who heard
            // of it is told when it goes, and how to take the incident now, rather than being
            // refused as if someone else had been paged.
            let held = policy.ladders.filter { ackable.contains($0.id) }.compactMap { ladder in
                incident.ladders[ladder.id].flatMap { $0.heldPage != nil && $0.stopped == nil ? $0.nextStepAt : nil }
            }.min()
            if !incident.isPrivate, paged.isEmpty, let held {
                // Only someone trusted may take it: an account off the roster, told to, was refused.
                let take: BotText = isTrusted(person) ? "To take it on now, name yourself incident commander: \(command: "ic me")."
                    : "To have it handled now, ask someone on the roster to take it."
                throw IncidentError(.notAllowed, "Nobody has been paged for \(incident.id) yet: its first page waits for working hours, "
                                    + "until \(zone.clockTime(held, seenAt: now)). " + take)
            }
            // An IC named as it was declared at night stopped the ladder, and its page held for
            // working hours still goes to whoever is on call then: they are told when, not
            // refused as if someone else had been paged.
            let heldForThem = policy.ladders.filter { ackable.contains($0.id) }.compactMap { ladder -> Timestamp? in
                guard let progress = incident.ladders[ladder.id], progress.heldPage != nil, progress.stopped != nil,
                      let index = progress.level, let at = progress.nextStepAt, roster.onDuty(ladder.reference(index), at: at) == person else { return nil }
                return at
            }.min()
            if let heldForThem {
                let commander = incident.commander.map { " \($0.handle) is its incident commander;" } ?? ""
                throw IncidentError(.notAllowed, "Your page for \(incident.id) waits for working hours, until \(zone.clockTime(heldForThem, seenAt: now)).\(commander) "
                                    + "nothing is yours to acknowledge before it goes.")
            }
            // Handed the level by a rotation while their hours are closed: they heard of it in
            // the room, and are told when their page goes and how to take it on now.
            if let waiting = policy.ladders.filter({ ackable.contains($0.id) }).flatMap({ incident.ladders[$0.id]?.waitingHandovers ?? [] })
                .first(where: { $0.person == person }) {
                throw IncidentError(.notAllowed, "Your page for \(incident.id) waits for your working hours, until "
                                    + "\(zone.clockTime(waiting.at, seenAt: now)). To take it on now, name yourself incident commander: \(command: "ic me").")
            }
            // Their page was still on its way when the rotation (or a roster edit) handed their
            // level on: they are told who answers for it now, and how to take the incident on.
            if let handed = incident.pages.last(where: { $0.person == person && ackable.contains($0.level.ladder) && $0.withdrawn != true }),
               let incoming = incident.handedOnUnreached(handed) {
                let to = incident.isPrivate ? "" : " to \(incoming.handle)"
                throw IncidentError(.notAllowed, "Your page for \(incident.id) had not reached you when \(handed.level) was handed over\(to); "
                                    + "the page is theirs to answer now. To take the incident on, name yourself incident commander: \(command: "ic me").")
            }
            // Someone the roster does not list (a leaver, whose old page may name them as the
            // roster did) is told so first, as the acknowledge link tells them: the list alone
            // read as naming them among those who may.
            let unlisted: BotText = isListed(person) ? "" : "You are not on the roster, so your acknowledgement is not taken. "
            throw IncidentError(.notAllowed,
                                unlisted + "Only people paged for \(incident.id) can acknowledge" + (names.isEmpty ? "." : " (\(names))."))
        }
        let earlier = incident.acknowledgedBy ?? []
        // The ladders the answer could stop had stopped already (the incident was mitigated):
        // the reply says so, not that this answer stopped them.
        let stoppedBefore = policy.ladders.filter { ackable.contains($0.id) }.compactMap { incident.ladders[$0.id]?.stopped }.first
        // The record names the way, not one platform's spelling of it: `/ack` on Slack is
        // `!ack` on Matrix, and the record is read on both (and in the post-mortem).
        let recorded = if case .command = how { "in chat" } else { how.plainText(name: \.handle) }
        acknowledge(by: person, how: recorded)
        let stoppedNow = policy.ladders.filter { ackable.contains($0.id) && incident.ladders[$0.id]?.stopped == .acknowledged }.map(\.id)
        if earlier.isEmpty, stoppedBefore == nil, !stoppedNow.isEmpty {
            post(Messages.acknowledged(by: person, how: how, stopping: stoppedNow))
        }
        // A private incident's answer names nobody, as its refusal does. Names as text, not
        // mentions: on Matrix the answer is posted in the room, and a mention would ping them.
        let who = incident.isPrivate ? "someone" : earlier.sorted().map { "\($0.handle)" }.joined(separator: ", ")
        reply = Messages.reply(earlier.isEmpty
            ? (stoppedBefore.map { "Acknowledged \(incident.id); the engineering ladder had stopped already, when it was \($0.rawValue)." }
                ?? "Acknowledged \(incident.id); the engineering ladder has stopped.")
            : "Also acknowledged \(incident.id); \(who) had acknowledged it before, so the ladder had stopped already.")
    }
}
