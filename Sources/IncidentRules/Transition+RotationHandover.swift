import IncidentCore
import IncidentPolicy

/// An on-call rotation hands over while its level's page is unanswered: the room is told who
/// is on call now, and the page moves to them (a page of the same level; the outgoing
/// person's page, if still waiting in the outbox, is withdrawn: `Incident.withdrawal(of:)`,
/// and a provider that keeps an incident of its own per page, PagerDuty, closes theirs).
/// The climb keeps its times. Only the level the climb has reached moves; a ladder that
/// stopped (acknowledged, mitigated), that went quiet at its top, or that the current
/// severity does not run, has nothing pending to move. Outside the incoming person's working
/// hours, for a severity that pages only in them, the room is told at the handover and the
/// page goes when their hours open, within their turn (`waitingHandovers`), even if the climb
/// has moved on by then: it is their turn, and the team lead paged meanwhile was not paged in
/// their place. A turn that ends before the incoming person's hours open moves nothing: the
/// page stays where it is, and the rotation's next turn is taken in the same way.
extension Transition {
    /// `rosterEdited`: the move comes from a roster edited since the page (someone else put
    /// on call, a level given to another person), not from the rotation's own schedule.
    mutating func handOverRotation(_ id: String, due: Timestamp, rosterEdited: Bool = false) {
        guard let ladder = policy.ladder(id), let progress = incident.ladders[id], let index = progress.level else { return }
        incident.ladders[id]?.rotationHandoverAt = nil
        let plan = policy.plan(ladder, at: incident.severity)
        if goesQuiet(progress, plan, at: due) { return }
        let ref = ladder.reference(index)
        guard let outgoing = incident.pages.last(where: { $0.level == ref })?.person else { return }
        guard let incoming = roster.onDuty(ref, at: now), incoming != outgoing else {
            incident.ladders[id]?.rotationHandoverAt = roster.rotation(filling: ref)?.nextHandover(after: now, from: outgoing)
            return
        }
        // A ladder the severity no longer runs (business, once a P1 is lowered to P2) asks
        // nobody now: the incoming person is not paged for it.
        guard plan.runs else { return }
        // A severity that pages only in working hours moves the page when they open. When they
        // open in the incoming person's own turn, the room hears of the handover now, and the
        // page goes to them then. It heard nothing: they could not acknowledge, and were never
        // paged once the climb had moved on by their opening.
        // A page promised to someone else at this level (an earlier handover waiting for their
        // hours) goes no more: it was dropped without a word, and the room read the new line's
        // "in place of" as naming the person paged before them.
        let promised = progress.waitingHandovers?.first { $0.level == index && $0.person != incoming }
        if let opens = heldUntil(ladder, index, at: due) {
            if opensInTheirTurn(opens, incoming, ref) {
                wait(LadderProgress.WaitingHandover(person: incoming, level: index, at: opens), on: id)
                announceHandover(ladder, index, to: incoming, from: outgoing, rosterEdited: rosterEdited, opens: opens, replacing: promised)
            } else {
                // Their turn ends first: the page stays where it is, and the rotation's next
                // turn is taken as this one was.
                incident.ladders[id]?.rotationHandoverAt = roster.rotation(filling: ref)?.nextHandover(after: now, from: incoming)
            }
            return
        }
        if let promised {
            let others = progress.waitingHandovers?.filter { $0 != promised } ?? []
            incident.ladders[id]?.waitingHandovers = others.isEmpty ? nil : others
        }
        announceHandover(ladder, index, to: incoming, from: outgoing, rosterEdited: rosterEdited, opens: nil, replacing: promised)
        emit(.settlePages(PageSettlement(outcome: .handedOver, pages: [PagedLevel(person: outgoing, ladder: id, level: ref.level)])))
        page(ladder, index, .rotationHandover)
    }

    /// The working hours of the person a handover of the level at `level` waited for open: the
    /// page goes to whoever is on duty there now (the roster may have been edited), unless they
    /// were paged there since. A ladder stopped meanwhile (acknowledged, mitigated) has no page
    /// to move, and the schedule no longer lists it; nor does a severity that no longer runs it.
    /// While the climb is still at the level, the rotation's next turn is followed from here.
    mutating func pageWaitingHandover(_ id: String, level: Int, due: Timestamp) {
        guard let ladder = policy.ladder(id), let waiting = incident.ladders[id]?.waitingHandovers?.first(where: { $0.level == level })
        else { return }
        let others = incident.ladders[id]?.waitingHandovers?.filter { $0.level != level } ?? []
        incident.ladders[id]?.waitingHandovers = others.isEmpty ? nil : others
        let plan = policy.plan(ladder, at: incident.severity)
        guard let progress = incident.ladders[id], progress.stopped == nil, ladder.levels.indices.contains(level) else { return }
        guard plan.runs, !progress.isIdle, !goesQuiet(progress, plan, at: due) else {
            let reason = plan.runs ? "has paged its top as often as \(incident.severity) allows" : "does not run at \(incident.severity)"
            dropPromisedPage(waiting, on: ladder, because: .ladder(reason))
            return
        }
        let ref = ladder.reference(level)
        let outgoing = incident.pages.last(where: { $0.level == ref })?.person
        let climbing = incident.ladders[id]?.level == level
        guard let incoming = roster.onDuty(ref, at: now), incoming != outgoing else {
            // The level is the outgoing person's again (a roster put back while the bot was
            // down past the time): the room was told another's page would come, and hears why not.
            if let outgoing, roster.onDuty(ref, at: now) == outgoing, waiting.person != outgoing {
                dropPromisedPage(waiting, on: ladder, because: .filledAgainBy(outgoing))
            }
            if climbing, let outgoing {
                incident.ladders[id]?.rotationHandoverAt = roster.rotation(filling: ref)?.nextHandover(after: now, from: outgoing)
            }
            return
        }
        // The hours were moved since (a roster edited): the page waits again, as a handover.
        if let opens = heldUntil(ladder, level, at: due) {
            if opensInTheirTurn(opens, incoming, ref) {
                wait(LadderProgress.WaitingHandover(person: incoming, level: level, at: opens), on: id)
            } else if climbing {
                incident.ladders[id]?.rotationHandoverAt = roster.rotation(filling: ref)?.nextHandover(after: now, from: incoming)
            }
            return
        }
        if let outgoing {
            // Someone else than the room was told (a roster edited meanwhile): it hears of them.
            if incoming != waiting.person {
                announceHandover(ladder, level, to: incoming, from: outgoing, rosterEdited: true, opens: nil, replacing: waiting)
            }
            emit(.settlePages(PageSettlement(outcome: .handedOver, pages: [PagedLevel(person: outgoing, ladder: id, level: ref.level)])))
        }
        page(ladder, level, .rotationHandover)
    }

    /// Why a waiting handover's page does not go after all.
    enum DroppedPromise {
        /// The ladder no longer pages there (`has paged its top as often as P2 allows`).
        case ladder(String)
        /// The roster names the person paged at the level before for it again (put back).
        case filledAgainBy(PersonID)
    }

    /// A waiting handover's page does not go after all, though the ladder was not stopped: the
    /// room was told it would, at this time, and hears why it does not. It heard nothing, and
    /// the page it had been promised simply never came. (A ladder stopped by an ack or a
    /// mitigation needs no word: the room saw it stop.)
    mutating func dropPromisedPage(_ waiting: LadderProgress.WaitingHandover, on ladder: Ladder, because why: DroppedPromise) {
        let promise = "\(waiting.person.handle)'s page for \(ladder.reference(waiting.level)) at \(zone.clockTime(waiting.at, seenAt: now)), said at the handover,"
        switch why {
        case .ladder(let reason):
            record(.paged, "\(promise) did not go: the \(ladder.id) ladder \(reason).", by: .bot)
            post(Message(.text("🔕 \(promise) does not go: the \(ladder.id) ladder \(reason).")))
        case .filledAgainBy(let person):
            record(.paged, "\(promise) does not go: the roster names \(person.handle) for it again.", by: .bot)
            post(Message(.text("🔕 \(promise) does not go: the roster names "), .mention(person), .text(" for it again, who was paged.")))
        }
    }

    /// Whether the climb goes quiet at `due`, this very second, its top paged as often as it
    /// may: as for a quiet ladder, a handover is not a way around the bound on repeats.
    /// (Handovers go before steps at their second: a daily 09:00 one paged a P3's team lead
    /// each morning, and a waiting one due then paged past the repeats.)
    func goesQuiet(_ progress: LadderProgress, _ plan: LadderPlan, at due: Timestamp) -> Bool {
        progress.nextStepAt == due && progress.goesQuietAtItsNextStep(plan)
    }

    /// Whether `opens` falls in `person`'s turn at `ref` that runs now: a promise for a later
    /// turn of theirs would outlive the turns of others between.
    func opensInTheirTurn(_ opens: Timestamp, _ person: PersonID, _ ref: LevelRef) -> Bool {
        guard roster.onDuty(ref, at: opens) == person else { return false }
        return roster.rotation(filling: ref)?.nextHandover(after: now, from: person).map { opens < $0 } ?? true
    }

    /// Keeps `waiting` as the one waiting handover of its level.
    mutating func wait(_ waiting: LadderProgress.WaitingHandover, on id: String) {
        let others = incident.ladders[id]?.waitingHandovers?.filter { $0.level != waiting.level } ?? []
        incident.ladders[id]?.waitingHandovers = others + [waiting]
    }

    /// Raised to a severity that pages around the clock: a handover waiting for working hours
    /// pages now.
    mutating func releaseWaitingHandovers(of ladder: Ladder) {
        guard let waiting = incident.ladders[ladder.id]?.waitingHandovers else { return }
        let released = waiting.map { handover in
            var handover = handover
            if heldUntil(ladder, handover.level, at: now) == nil { handover.at = min(handover.at, now) }
            return handover
        }
        incident.ladders[ladder.id]?.waitingHandovers = released
    }

    /// The room hears who fills the level now; `opens`: the page waits for their working hours.
    /// `replacing`: the page promised to someone else at the level, which goes no more; they,
    /// not the person paged there before them, are the one replaced.
    mutating func announceHandover(_ ladder: Ladder, _ index: Int, to incoming: PersonID, from outgoing: PersonID,
                                   rosterEdited: Bool, opens: Timestamp?, replacing promised: LadderProgress.WaitingHandover? = nil) {
        let ref = ladder.reference(index)
        let role = ladder.levels[index].role
        var when = promised == nil ? "" : " now"
        if let opens {
            let own = roster.people[incoming]?.zone.flatMap { $0.identifier != zone.identifier ? $0.identifier : nil }
            when = " when their working hours open, at \(zone.dateTime(opens))" + (own.map { " (\($0))" } ?? "")
        }
        let replaced = promised?.person ?? outgoing
        let dropped = promised.map { ", whose page at \(zone.clockTime($0.at, seenAt: now)) no longer goes" } ?? ""
        if rosterEdited {
            record(.paged, "The roster now names \(incoming.handle) for \(ref) in place of \(replaced.handle)\(dropped); the level's page moves to them\(when).",
                   by: .bot)
            post(Message(.text("🔄 "), .mention(incoming), .text(" is \(role) (\(ref)) in the roster now, in place of "),
                         .mention(replaced), .text("\(dropped); the unanswered page moves to them\(when).")))
        } else {
            record(.paged, "The on-call rotation for \(ref) handed over from \(replaced.handle) to \(incoming.handle)\(dropped); the level's page moves to them\(when).",
                   by: .bot)
            post(Message(.text("🔄 "), .mention(incoming), .text(" is on call now as \(role) (\(ref)), taking over from "),
                         .mention(replaced), .text("\(dropped); the unanswered page moves to them\(when).")))
        }
    }

    /// A page promised to `handover`'s person, whose working hours the roster read at a start
    /// moved: the room hears the new time, or that it goes now. It heard "🔄 … in place of
    /// @alice; the unanswered page moves to them", which named the person paged before and left
    /// the time it had been told standing.
    mutating func announceRetimedHandover(_ ladder: Ladder, _ handover: LadderProgress.WaitingHandover, opens: Timestamp) {
        let ref = ladder.reference(handover.level)
        let role = ladder.levels[handover.level].role
        let promise = "\(handover.person.handle)'s page for \(ref) (\(role)), said for \(zone.dateTime(handover.at)),"
        if opens <= now {
            record(.paged, "\(promise) goes now: their working hours are open.", by: .bot)
            post(Message(.text("🌅 "), .mention(handover.person), .text("'s page for \(ref) (\(role)), said for \(zone.dateTime(handover.at)), goes now: their working hours are open.")))
        } else {
            let own = roster.people[handover.person]?.zone.flatMap { $0.identifier != zone.identifier ? $0.identifier : nil }
            let at = zone.dateTime(opens) + (own.map { " (\($0))" } ?? "")
            record(.paged, "\(promise) waits until \(at) instead: their working hours in the roster moved.", by: .bot)
            post(Message(.text("🌙 "), .mention(handover.person), .text("'s page for \(ref) (\(role)), said for \(zone.dateTime(handover.at)), waits until \(at) instead: their working hours in the roster moved.")))
        }
    }
}
