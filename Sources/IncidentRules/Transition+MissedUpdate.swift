import IncidentCore
import IncidentPolicy

/// A missed status update's step up the engineering ladder (behaviour.md section 4), and what
/// it did, for the nudge to say.
extension Transition {
    /// What a missed update's step did, for the nudge to say; later cases say more.
    enum MissedUpdateStep: Comparable {
        case nobodyFurther
        /// The step's level has nobody in the roster (a level the policy in force dropped):
        /// nobody was paged, and the room was told to page them by hand.
        case unfilled(level: String)
        /// An acknowledged ladder does not step outside the policy's working hours: nobody is
        /// paged for it.
        case skippedOutsideWorkingHours
        /// A climbing ladder's page waits for working hours.
        case heldForWorkingHours
        /// The ladder's top was paged at this time, moments before (`pagedMomentsAgo`): not
        /// paged again yet (its own next repeat comes at its time).
        case topPagedRecently(at: Timestamp, ladder: String)
        /// The top level is paged again: there is no next level.
        case repeatedAtTop
        /// The level reached is the incident commander's own, with nobody above it: they were
        /// paged about their own silence, and nobody new was woken.
        case pagedTheCommander
        case paged
    }

    /// Too many status updates were missed (behaviour.md section 4): every ladder that steps on a
    /// missed update pages its next level now. An acknowledged ladder steps too (the IC went
    /// quiet) but does not start climbing again; a mitigated or resolved one does not step, nor
    /// does one acknowledged before the incident reached a phase it stops on (acknowledged, then
    /// mitigated: customers are no longer hurt, and nobody is woken for a late update).
    /// Outside the working hours of a severity that pages only in them, a climbing ladder holds
    /// the page and an acknowledged one does not step; in the policy's hours, an acknowledged
    /// ladder's page to someone whose own clock is closed waits for their opening.
    mutating func stepForMissedUpdate(due: Timestamp) -> MissedUpdateStep {
        var step = MissedUpdateStep.nobodyFurther
        for ladder in policy.ladders where ladder.stepsOnMissedUpdate && !phaseStops(ladder) {
            // A ladder that paged at this very time (its own wait ran out too) has just moved.
            // A climb that reached a level nobody fills paged nobody: the nudge says so, not
            // that it escalated (it took the step from the ladder's page before, to someone else).
            if climbedAt[ladder.id] == due {
                // The climb's page is recorded at the time it went: the due time, or now when a
                // scheduler catching up after downtime took the step.
                let last = incident.pages.last { $0.level.ladder == ladder.id }
                let index = incident.ladders[ladder.id]?.level
                let climbPaged = last.map { ($0.at == due || $0.at == now) && index.map(ladder.reference) == $0.level } ?? false
                if !climbPaged, let index {
                    step = max(step, .unfilled(level: "\(ladder.reference(index))"))
                } else {
                    step = max(step, last?.reason == .repeatAtTop ? .repeatedAtTop : .paged)
                }
            }
            // Its page already waits for working hours (a stopped ladder's too: the on-call's
            // page held when declaring with `--ic`): the step is that page.
            if incident.ladders[ladder.id]?.heldPage != nil { step = max(step, .heldForWorkingHours) }
            guard var progress = incident.ladders[ladder.id], let current = progress.level,
                  progress.stopped == nil || progress.stopped == .acknowledged, progress.heldPage == nil,
                  climbedAt[ladder.id] != due
            else { continue }
            let plan = policy.plan(ladder, at: incident.severity)
            let climbing = progress.stopped == nil
            var target: Int
            var repeatsAtTop = progress.repeatsAtTop
            if let next = plan.next(after: current) {
                target = next.index
            } else if let top = plan.top, plan.repeats.allows(progress.repeatsAtTop(of: plan)) {
                target = top.index
                repeatsAtTop += 1
            } else {
                continue
            }
            // The updates the IC owes are missed (before an IC is named, the declarer's, who is
            // nudged as acting IC): a level they fill is passed over, so the step reaches someone
            // above them, not them about their own silence. With nobody above, they are paged as
            // before: better them than nobody.
            let owner = incident.commander ?? incident.actingDeclarer
            if roster.onDuty(ladder.reference(target), at: due) == owner {
                var above = plan.next(after: target)
                while let level = above, roster.onDuty(ladder.reference(level.index), at: due) == owner { above = plan.next(after: level.index) }
                if let level = above { target = level.index }
            }
            // Paging the level the ladder is at again is a repeat, not a climb; so is paging the
            // top of a lowered severity's plan from a level above it.
            // The level reached, whose page never went (held for working hours, then dropped as
            // an IC was named), is not paged "again".
            let neverPaged = target == current && !incident.pages.contains { $0.level == ladder.reference(target) && $0.withdrawn != true }
            let paged: MissedUpdateStep = progress.reachesAbove(target) || neverPaged ? .paged : .repeatedAtTop
            // The top was paged moments ago (its climb reached it a minute before the update
            // fell due): a repeat now would ring the same phone twice in a minute and spend one
            // of the severity's repeats on it; the top's own next repeat comes at its time. Not
            // a whole update period: after a severity is lowered that period is longer than the
            // one that ran, and a top paged 90 minutes before went unpaged. An acknowledged
            // ladder has no next repeat of its own: its step goes as before.
            // A rotation's handover this very second paged the top: that page is this step's,
            // and counts as its repeat (`uncountFoldedRepeat`), as the step's own page would.
            if climbing, paged == .repeatedAtTop, let last = lastPage(ladder, target, within: Self.pagedMomentsAgo, before: due),
               !(last.at == now && last.reason == .rotationHandover) {
                step = max(step, .topPagedRecently(at: last.at, ladder: ladder.id))
                continue
            }
            // Nobody fills the level (`page` says so in the room): the nudge must not say the
            // ladder escalated.
            // The IC's own level, nobody above it: the room must not read that someone new was
            // woken, when the only page went to the person who went quiet.
            let reached: MissedUpdateStep = switch roster.onDuty(ladder.reference(target), at: due) {
            case nil: .unfilled(level: "\(ladder.reference(target))")
            case owner: .pagedTheCommander
            default: paged
            }
            if climbing {
                progress.repeatsAtTop = repeatsAtTop
                if reach(ladder, target, .missedUpdate, due: due, plan: plan, progress: &progress), paged == .repeatedAtTop {
                    uncountFoldedRepeat(ladder, target)
                }
                step = incident.ladders[ladder.id]?.heldPage == nil ? max(step, reached) : max(step, .heldForWorkingHours)
            } else if let opens = opening(ladder, target, at: due), policy.earliestPage(at: incident.severity, from: due, zone: nil) > due {
                record(.paged, "Not paging \(ladder.reference(target)) for the missed update before \(zone.dateTime(opens)): \(incident.severity) pages in working hours.",
                       by: .bot)
                step = max(step, .skippedOutsideWorkingHours)
            } else if let opens = heldUntil(ladder, target, at: due) {
                // Due in working hours, taken by a catch-up outside them, or due in the policy's
                // hours to someone whose own clock keeps other hours: the page waits for the
                // opening (`sendHeldPage`), as a stopped ladder's held page does. Skipped as
                // one due outside them, it was lost: a team lead in Tokyo under a policy kept
                // in UTC was never paged for an IC gone quiet.
                progress.repeatsAtTop = progress.repeats(afterPaging: target, counted: repeatsAtTop)
                progress.level = target
                progress.heldPage = .missedUpdate
                progress.nextStepAt = opens
                incident.ladders[ladder.id] = progress
                hold(ladder, target, until: opens)
                step = max(step, .heldForWorkingHours)
            } else {
                progress.repeatsAtTop = progress.repeats(afterPaging: target, counted: repeatsAtTop)
                progress.level = target
                incident.ladders[ladder.id] = progress
                if page(ladder, target, .missedUpdate), paged == .repeatedAtTop { uncountFoldedRepeat(ladder, target) }
                step = max(step, reached)
            }
        }
        return step
    }

    /// How soon after its last page a missed update does not page the top again.
    static var pagedMomentsAgo: Duration { .minutes(5) }

    /// The last page of whoever fills `ladder.levels[index]` now (whom a page would reach) at
    /// that level, if it was less than `wait` before `due` and was not withdrawn.
    func lastPage(_ ladder: Ladder, _ index: Int, within wait: Duration, before due: Timestamp) -> PageRecord? {
        let ref = ladder.reference(index)
        guard let person = roster.onDuty(ref, at: now),
              let last = incident.pages.last(where: { $0.person == person && $0.level == ref && $0.withdrawn != true }),
              last.at > due - wait
        else { return nil }
        return last
    }
}
