import IncidentCore
import IncidentPolicy

/// Pages held for working hours: when the first one opens (the response clocks start there),
/// when a held page goes and to whom, and the room told of a hold.
extension Transition {
    /// Notes, as the incident is declared, when working hours next open: when the first page
    /// its ladders hold for them waits until, else on the policy's clock. Kept whatever the
    /// severity, so a P3 raised to a P2 over the weekend counts its targets from Monday too.
    /// Only a ladder whose pages ask for an answer counts (`responseStart`).
    mutating func noteWorkingHoursOpening() {
        let asking = policy.askingLadders
        let held = incident.ladders.filter { asking.contains($0.key) }.values.compactMap { $0.heldPage != nil ? $0.nextStepAt : nil }.min()
        incident.workingHoursOpenedAt = held ?? (policy.workingHours ?? .office).nextWorkingTime(from: now, in: policy.timeZone) ?? now
    }

    /// The page a stopped ladder held for working hours, the decision that stopped it being the
    /// one that held it (declaring with `--ic` at night: the on-call is paged as usual, when
    /// working hours open), falls due: it goes out, or waits again when whoever fills the level
    /// by then keeps other hours. It no longer goes once the incident reached a phase the ladder
    /// stops on, or once that person acknowledged; the ladder never climbs from it. While it
    /// waits, a missed update's step is that page, as for a climbing ladder's held page.
    mutating func sendHeldPage(of ladder: Ladder, at index: Int, due: Timestamp) {
        guard var progress = incident.ladders[ladder.id], let reason = progress.heldPage else { return }
        let person = roster.onDuty(ladder.reference(index), at: due)
        let stillAsked = stoppedLaddersHeldPageStillGoes(ladder, reason, to: person)
        if stillAsked, let opens = heldUntil(ladder, index, at: due) {
            let told = progress.nextStepAt
            progress.nextStepAt = opens
            incident.ladders[ladder.id] = progress
            if opens != told, opens > now { hold(ladder, index, until: opens) }
            return
        }
        progress.heldPage = nil
        progress.nextStepAt = nil
        incident.ladders[ladder.id] = progress
        guard stillAsked else { return }
        page(ladder, index, reason)
        // As the page declaring with `--ic` sends in working hours: settled with the stop that
        // came with it, so a provider with its own escalation (PagerDuty) does not climb on.
        // Settled as that page is (no person named: one page carrying another ladder still
        // climbing keeps its alert open for it).
        if progress.stopped == .acknowledged { settlePages(.acknowledged, of: [ladder.id]) }
    }

    /// When a page of the level at `index` due at `due` may go out, if not then: the severity
    /// pages only in working hours, read on the clock of whoever fills the level (their own
    /// zone, else the policy's). A rotation that hands over before that person's hours open
    /// hands the wait over too: the page goes when the incoming person's hours open, which
    /// may be at the handover. It waited for the outgoing person's, five hours past the
    /// incoming one's, and a room told "09:00" for the outgoing one's heard nothing then.
    ///
    /// Judged at the due time, so a scheduler catching up after downtime holds what a running
    /// one would have held; and judged again now when it gets to the step more than
    /// `downtime` late: a P2's team-lead page due at 14:00 that a bot down all night got to at
    /// 03:00 went out at 03:00, to a room told in the same moment that the P2 waits for 09:00.
    func heldUntil(_ ladder: Ladder, _ index: Int, at due: Timestamp) -> Timestamp? {
        if let opens = opening(ladder, index, at: due) { return opens }
        guard now > due + Self.downtime else { return nil }
        return opening(ladder, index, at: now)
    }

    /// How late a step is taken before it counts as caught up after downtime, and is judged
    /// at the moment it is taken as well as at its due time. A running scheduler fires within
    /// a second; a stall of minutes (a database failing over, a standby taking over) is not
    /// downtime: a team lead's page due at 16:57 and taken at 17:04 goes then, not the next day.
    static var downtime: Duration { .minutes(30) }

    /// How late a page of a ladder's top may be made before its next repeat counts from it
    /// (`reach`): a catch-up's page moments before the repeat's time.
    static var catchUpGrace: Duration { .minutes(5) }

    /// When a page of the level at `index` due at `due` may go out, if not then, judged at
    /// `due` alone.
    func opening(_ ladder: Ladder, _ index: Int, at due: Timestamp) -> Timestamp? {
        let ref = ladder.reference(index)
        let rotation = roster.rotation(filling: ref)
        var from = due
        var opens = due
        // Each turn is one more person. A handover at the very time the outgoing person's
        // hours open hands the page over too: the incoming person is on duty then. Short turns
        // over a weekend are many (4-hour turns from Friday evening to Monday: 16), and past
        // the bound the last person's opening stands (judged again when it comes).
        for _ in 0..<64 {
            let person = roster.onDuty(ref, at: from)
            opens = policy.earliestPage(at: incident.severity, from: from, zone: person.flatMap { roster.people[$0]?.zone })
            guard opens > from, let person, let handover = rotation?.nextHandover(after: from, from: person), handover <= opens else { break }
            from = handover
        }
        return opens > due ? opens : nil
    }

    /// Whether a stopped ladder's page held for working hours, for `reason`, still goes to
    /// `person`: not once the incident reached a phase the ladder stops on, once they answered
    /// themselves, or, for a missed update's page, once an update came.
    func stoppedLaddersHeldPageStillGoes(_ ladder: Ladder, _ reason: PageRecord.Reason, to person: PersonID?) -> Bool {
        let answered = reason == .missedUpdate && incident.missedUpdates == 0
        return !phaseStops(ladder) && !answered && person.map { !incident.answeredThemselves($0) } ?? true
    }

    /// An update came: a stopped ladder's page held for working hours for missed updates no
    /// longer goes, and `/incident escalation` no longer says it will.
    mutating func dropHeldMissedUpdatePages() {
        for ladder in policy.ladders {
            guard var progress = incident.ladders[ladder.id], progress.stopped != nil, progress.heldPage == .missedUpdate else { continue }
            progress.heldPage = nil
            progress.nextStepAt = nil
            incident.ladders[ladder.id] = progress
            record(.paged, "The page held for working hours for missed updates no longer goes: an update came.", by: .bot)
        }
    }

    mutating func hold(_ ladder: Ladder, _ index: Int, until opens: Timestamp) {
        let ref = ladder.reference(index)
        let role = ladder.levels[index].role
        // Declared at night taking the incident themselves, or IC since by an answer of their
        // own: that acknowledges it, which drops this page (in the same decision, for the
        // declaration); the room was told it would go at the opening. Named by someone else,
        // they answered nothing, and the page goes.
        if ladder.asksForAnswers, let commander = incident.commander, roster.onDuty(ref, at: opens) == commander,
           actor == commander || incident.answeredThemselves(commander) {
            return
        }
        var hours = (policy.workingHours ?? .office).description
        // Read on the clock of whoever fills the level when the page goes, when they keep their own.
        if let person = roster.onDuty(ref, at: opens), let own = roster.people[person]?.zone, own.identifier != zone.identifier {
            hours += " on \(person.handle)'s clock, \(own.identifier)"
        }
        record(.paged, "Holding the page for \(ref) (\(role)) until \(zone.dateTime(opens)): \(incident.severity) pages in working hours (\(hours)).",
               by: .bot)
        post(Messages.pageHeld(incident, ref: ref, role: role, until: opens, hours: hours))
    }
}
