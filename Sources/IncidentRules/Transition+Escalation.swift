import IncidentCore
import IncidentPolicy

/// The two escalation ladders of behaviour.md section 5, as changes to a transition.
extension Transition {
    /// Starts every ladder that runs at the current severity and has not started or stopped,
    /// and lets an idle ladder (at its top, out of repeats) climb on when the severity now
    /// allows a higher level: that level is due at once, as is a page held for working hours
    /// that the severity now lets go out.
    mutating func startLadders() {
        for ladder in policy.ladders {
            var progress = incident.ladders[ladder.id] ?? LadderProgress()
            // Raised to a severity that pages around the clock: a held page goes now, a
            // stopped ladder's too (declared with `--ic` out of hours).
            releaseWaitingHandovers(of: ladder)
            if progress.heldPage != nil, let current = progress.level {
                if heldUntil(ladder, current, at: now) == nil { incident.ladders[ladder.id]?.nextStepAt = now }
                continue
            }
            guard progress.stopped == nil else { continue }
            let plan = policy.plan(ladder, at: incident.severity)
            if let current = progress.level {
                if progress.nextStepAt == nil, plan.next(after: current) != nil || plan.repeats.allows(progress.repeatsAtTop(of: plan)) {
                    progress.nextStepAt = now
                    incident.ladders[ladder.id] = progress
                }
            } else if let first = plan.first {
                reach(ladder, first.index, .climb, due: now, plan: plan, progress: &progress)
            }
        }
    }

    /// After a severity change each climbing ladder's current level waits as long as the new
    /// severity gives it, counted from when it was paged (never before now): a P2 raised to P1
    /// reaches the team lead 30 minutes after the on-call's page, not 4 hours. A ladder the old
    /// severity left idle (its step fell due while it did not run it, or a set back found it
    /// not run) is timed the same way: lowered while mitigated, set back, then raised, the
    /// business ladder paged the director of operations at the raise, 20 minutes early.
    mutating func retimeLadders(from old: Severity) {
        for ladder in policy.ladders {
            let plan = policy.plan(ladder, at: incident.severity)
            let oldPlan = policy.plan(ladder, at: old)
            guard var progress = incident.ladders[ladder.id], progress.stopped == nil, plan.runs,
                  progress.heldPage == nil || unhold(ladder, &progress, plan: oldPlan),
                  let current = progress.level
            else { continue }  // one the new severity does not run goes idle at its next step, as it would have
            guard let next = progress.nextStepAt else {
                // Idle under a severity that did not run it: from its level's last page, if
                // the plan has a step left (else, gone quiet, `startLadders` leaves it so).
                guard !oldPlan.runs, plan.next(after: current) != nil || plan.repeats.allows(progress.repeatsAtTop(of: plan)),
                      let paged = lastClimbPage(ladder, current) else { continue }
                progress.nextStepAt = max(now, paged + plan.wait(at: current))
                incident.ladders[ladder.id] = progress
                continue
            }
            // A ladder the old severity did not run was not retimed when the severity went
            // there (P1 lowered to P2, then raised again): its wait is the one before, so when
            // its level was paged is read from the climb's own pages.
            let lastPage = oldPlan.runs ? nil : lastClimbPage(ladder, current)
            // A top the old severity was paging again waited since the ladder reached it, not
            // since its last repeat: a team lead unanswered since yesterday, repeated at 09:00,
            // raised to P1 at 09:20, waited until 09:30 to reach the engineering manager.
            let reached = progress.repeatsAtTop == 0 ? nil : incident.pages.last {
                $0.level == ladder.reference(current) && $0.reason == .climb
            }?.at
            let paged = lastPage ?? reached ?? next - oldPlan.wait(at: current)
            progress.nextStepAt = max(now, paged + plan.wait(at: current))
            incident.ladders[ladder.id] = progress
        }
    }

    /// A step the old severity's plan took and held for working hours (the team lead's page, or
    /// their repeat at the top), taken back as the severity changes, so that the new plan
    /// times it: the ladder is back at the level it last paged, due when the old plan had it
    /// due. Sent as held, a P2's repeat to the team lead went out at a raise to P1 in the
    /// morning, and the engineering manager came 30 minutes later instead of at once; lowered
    /// to P3, the team lead was paged at the opening, 7 hours before the P3 plan's 24 hours.
    /// False (left held) for a held first page, which says the incident exists and goes as
    /// held, and for a missed update's step.
    func unhold(_ ladder: Ladder, _ progress: inout LadderProgress, plan oldPlan: LadderPlan) -> Bool {
        guard let held = progress.heldPage, held == .climb || held == .repeatAtTop, let level = progress.level,
              let last = incident.pages.last(where: {
                  $0.level.ladder == ladder.id && $0.reason.isClimbStep && $0.withdrawn != true
              }),
              let lastIndex = ladder.index(of: last.level.level),
              held == .repeatAtTop ? lastIndex == level : lastIndex < level
        else { return false }
        if held == .repeatAtTop {
            progress.repeatsAtTop = max(0, progress.repeatsAtTop - 1)
        } else {
            progress.level = lastIndex
            progress.repeatsAtTop = 0
        }
        progress.heldPage = nil
        progress.nextStepAt = last.at + oldPlan.wait(at: lastIndex)
        return true
    }

    /// When the climb last paged `ladder`'s level `index` (a handover's or an at-once page does
    /// not restart the level's wait).
    func lastClimbPage(_ ladder: Ladder, _ index: Int) -> Timestamp? {
        incident.pages.last { $0.level == ladder.reference(index) && $0.reason.isClimbStep }?.at
    }

    /// Pages the levels the current severity pages at once (P0: the VP engineering), unless
    /// the incident is already resolved. Someone who already acknowledged the incident is not
    /// paged again (a P0 lowered and raised again must not phone the VP who answered), nor
    /// someone paged for that level moments ago (a P0 lowered by a slip and raised back paged
    /// the VP twice in one second).
    mutating func pageAtOnce() {
        guard incident.phase == .investigating || incident.phase == .mitigated else { return }
        for ref in policy[incident.severity].pageAtOnce {
            guard let ladder = policy.ladder(ref.ladder), let index = ladder.index(of: ref.level) else { continue }
            let person = roster.onDuty(ref, at: now)
            if let person, incident.acknowledgedBy?.contains(person) == true { continue }
            // Only a page at once is a double: a climb's page of the level moments ago is an
            // ordinary page, which an acknowledgement closes, and the P0 must still reach them.
            // (A page of this decision is folded into, as the climb's first page of the level.)
            // Any page at once of theirs moments ago, not only their last page: the climb's page
            // the same raise made came after it, and a raise two minutes later paged them again.
            if let person, !pagedNow.contains(person), incident.pages.contains(where: {
                $0.person == person && $0.level == ladder.reference(index) && $0.reason == .immediate && $0.withdrawn != true
                    && $0.at > now - Self.pagedMomentsAgo
            }) { continue }
            page(ladder, index, .immediate)
        }
    }

    /// The ladder's current level's wait ran out at `due` (or a page held for working hours
    /// may go out): page the next level of the severity's plan, or the top again while its
    /// repeats allow, or go idle.
    mutating func climb(_ ladderID: String, due: Timestamp) {
        guard let ladder = policy.ladder(ladderID), var progress = incident.ladders[ladderID],
              let current = progress.level
        else { return }
        guard progress.stopped == nil else {
            sendHeldPage(of: ladder, at: current, due: due)
            return
        }
        let plan = policy.plan(ladder, at: incident.severity)
        if let held = progress.heldPage {
            reach(ladder, current, held, due: due, plan: plan, progress: &progress)
        } else if let next = plan.next(after: current) {
            reach(ladder, next.index, .climb, due: due, plan: plan, progress: &progress)
        } else if let top = plan.top, plan.repeats.allows(progress.repeatsAtTop(of: plan)) {
            progress.repeatsAtTop += 1
            // Counted as a repeat, but said as a first page to someone never paged there (the
            // top reached under another severity while they were passed over as acting IC):
            // "this is a repeat page" told them of pages they never had.
            let ref = ladder.reference(top.index)
            let pagedThereBefore = roster.onDuty(ref, at: due).map { person in
                incident.pages.contains { $0.level == ref && $0.person == person && $0.withdrawn != true }
            } ?? true
            if reach(ladder, top.index, pagedThereBefore ? .repeatAtTop : .climb, due: due, plan: plan, progress: &progress), pagedThereBefore {
                uncountFoldedRepeat(ladder, top.index)
            }
        } else {
            progress.nextStepAt = nil
            incident.ladders[ladderID] = progress
            record(.ladderStopped, "The \(ladderID) ladder reached its top; no more pages from it.", by: .bot)
        }
    }

    /// The climbing ladder reaches the level at `index` at `due`: its page goes out now and the
    /// level's wait starts, or, outside the working hours of a severity that pages only in
    /// them, the page is held until the next working period and the room is told. True when
    /// the page was folded into one this transition already made (`page`).
    @discardableResult
    mutating func reach(_ ladder: Ladder, _ index: Int, _ reason: PageRecord.Reason, due: Timestamp, plan: LadderPlan,
                        progress: inout LadderProgress) -> Bool {
        progress.repeatsAtTop = progress.repeats(afterPaging: index, counted: progress.repeatsAtTop)
        progress.level = index
        if let opens = heldUntil(ladder, index, at: due) {
            // Judged at the due time (and now, when caught up late): a scheduler catching up
            // after downtime holds what a running one would have held, and an opening already
            // past fires in this same catch-up, in order.
            // The room hears of a hold, and of a hold moved to another time (the person on
            // duty then keeps other hours: a roster edited since): at the time it was told,
            // nothing came, and nothing said why.
            let told = progress.heldPage == nil ? nil : progress.nextStepAt
            progress.heldPage = reason
            progress.nextStepAt = opens
            incident.ladders[ladder.id] = progress
            heldNow.insert(ladder.id)
            if opens != told, opens > now { hold(ladder, index, until: opens) }
            return false
        } else {
            progress.heldPage = nil
            var next = due + plan.wait(at: index)
            // A catch-up that paged the top moments before its next repeat skips that repeat,
            // uncounted: one that paged the VP at 11:59:30 for 11:45 repeated them at 12:00, two
            // calls thirty seconds apart. The running schedule stands otherwise.
            if index == plan.top?.index, now > due + Self.catchUpGrace, next > now, next - now < Self.pagedMomentsAgo {
                next = next + plan.wait(at: index)
            }
            progress.nextStepAt = next
            incident.ladders[ladder.id] = progress
            climbedAt[ladder.id] = due
            return page(ladder, index, reason)
        }
    }

    /// A repeat of the top (at `index`) that a scheduler catching up after downtime folded into
    /// the page it already made for that person sent nothing, so it does not count against the
    /// severity's repeats: the top is paged again as often after the downtime as a running bot
    /// would have paged it, instead of having spent its repeats on pages nobody got. Folded into
    /// the page a rotation's handover made at its second, that page was the repeat, and counts:
    /// a daily 09:00 handover paged the team lead every morning, past the repeats' bound.
    mutating func uncountFoldedRepeat(_ ladder: Ladder, _ index: Int) {
        guard !incident.pages.contains(where: { $0.at == now && $0.level == ladder.reference(index) && $0.reason == .rotationHandover }),
              let counted = incident.ladders[ladder.id]?.repeatsAtTop, counted > 0 else { return }
        incident.ladders[ladder.id]?.repeatsAtTop = counted - 1
    }

    /// Whether the incident's phase is one `ladder` stops on, whatever stopped it first.
    func phaseStops(_ ladder: Ladder) -> Bool {
        switch incident.phase {
        case .investigating: false
        case .mitigated: ladder.stopOn.contains(.mitigated)
        case .resolved, .closed: true
        }
    }

    /// Stops, for good, every ladder whose policy stops on `condition`.
    mutating func stopLadders(on condition: Ladder.StopCondition, detail: String) {
        for ladder in policy.ladders where ladder.stopOn.contains(condition) {
            var progress = incident.ladders[ladder.id] ?? LadderProgress()
            guard progress.stopped == nil else {
                // A page the stopped ladder still holds waits no longer once customers are
                // no longer hurt.
                if condition != .acknowledged, progress.heldPage != nil {
                    progress.heldPage = nil
                    progress.nextStepAt = nil
                    incident.ladders[ladder.id] = progress
                }
                continue
            }
            let wasRunning = progress.level != nil
            progress.stopped = condition
            progress.stoppedAfterEffect = effectsBefore
            // The page this same decision held for working hours still goes (`sendHeldPage`),
            // and so does the ladder's first page, held since the declaration: it says the
            // incident exists, as it does when the declaration names the IC (`withdrawal(of:)`).
            if condition != .acknowledged || !(heldNow.contains(ladder.id) || incident.holdsFirstPage(of: ladder)) {
                progress.nextStepAt = nil
                progress.heldPage = nil
            }
            incident.ladders[ladder.id] = progress
            if wasRunning {
                record(.ladderStopped, "The \(ladder.id) ladder stopped: \(detail).", by: .bot)
            }
            // Resolving settles every page at once (`settleAllPages`).
            if condition != .resolved { settlePages(.acknowledged, of: [ladder.id]) }
        }
    }

    /// Stops every ladder, whatever its policy: the incident is closed.
    mutating func stopAllLadders() {
        for ladder in policy.ladders {
            var progress = incident.ladders[ladder.id] ?? LadderProgress()
            if progress.stopped == nil { progress.stopped = .resolved }
            progress.nextStepAt = nil
            incident.ladders[ladder.id] = progress
        }
    }

    mutating func acknowledge(by person: PersonID, how: String) {
        // The first person's: a mitigation that did not hold may have set the time already.
        let first = incident.acknowledgedBy?.isEmpty != false
        if incident.acknowledgedAt == nil { incident.acknowledgedAt = now }
        startUpdateClockNowIfWaiting()
        incident.acknowledgedBy = (incident.acknowledgedBy ?? []).union([person])
        // By whoever did it, in their words: the person naming an IC, not the IC, who typed
        // nothing ("Acknowledged by @bob" credited him with an answer he never gave).
        let acknowledged = first ? "Acknowledged" : "Also acknowledged"
        if let actor, actor != person {
            record(.acknowledged, "\(acknowledged) for \(person.handle) (\(how) by \(actor.handle)).", by: .actor)
        } else {
            record(.acknowledged, "\(acknowledged) by \(person.handle) (\(how)).", by: actor == nil ? .person(person) : .actor)
        }
        let stoppedBefore = Set(policy.ladders.filter { $0.asksForAnswers && incident.ladders[$0.id]?.stopped != nil }.map(\.id))
        stopLadders(on: .acknowledged, detail: "acknowledged by \(person.handle)")
        // Named IC by someone else, the person answered nothing: their pages still waiting to go
        // out, held for working hours or made since the ladder stopped still go (behaviour.md,
        // section 5). `/ic @alice` typed by another withdrew alice's page retrying behind a
        // provider's outage, and the on-call asleep never heard of the incident.
        // Kept (empty) all the same: it tells this incident's answers from those of one stored
        // before they were kept apart (`answeredThemselves`).
        guard actor == nil || actor == person else {
            incident.acknowledgedAfterEffect = incident.acknowledgedAfterEffect ?? [:]
            return
        }
        incident.acknowledgedAfterEffect = (incident.acknowledgedAfterEffect ?? [:]).merging([person: effectsBefore]) { _, latest in latest }
        // A page a stopped ladder holds for working hours, to this very person, is answered.
        for ladder in policy.ladders {
            guard let progress = incident.ladders[ladder.id], progress.stopped != nil, progress.heldPage != nil,
                  let level = progress.level, let opens = progress.nextStepAt,
                  roster.onDuty(ladder.reference(level), at: opens) == person else { continue }
            incident.ladders[ladder.id]?.heldPage = nil
            incident.ladders[ladder.id]?.nextStepAt = nil
        }
        // A ladder that had stopped settled its pages then; a page made since (a missed
        // update's step, a page at once) is settled when its person answers, or at resolution.
        if !stoppedBefore.isEmpty { settlePages(.acknowledged, of: stoppedBefore, person: person) }
    }
}
