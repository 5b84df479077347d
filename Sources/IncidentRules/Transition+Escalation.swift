import IncidentCore
import IncidentPolicy

/// The two escalation ladders of behaviour.md section 5, as changes to a transition.
extension Transition {
    /// Starts every ladder that runs at the current severity and has not started or stopped,
    /// and lets an idle ladder (at its top, out of repeats) climb on when the severity now
    /// allows a higher level: that level is due at once.
    mutating func startLadders() {
        for ladder in policy.ladders {
            var progress = incident.ladders[ladder.id] ?? LadderProgress()
            guard progress.stopped == nil else { continue }
            if let current = progress.level {
                if progress.nextStepAt == nil, ladder.nextLevel(after: current, at: incident.severity) != nil {
                    progress.nextStepAt = now
                    incident.ladders[ladder.id] = progress
                }
            } else if let first = ladder.firstLevel(at: incident.severity) {
                progress.level = first
                progress.nextStepAt = now + ladder.levels[first].wait
                incident.ladders[ladder.id] = progress
                page(ladder, first, .climb)
            }
        }
    }

    /// Pages the levels the current severity pages at once (P0: the VP engineering), unless
    /// the incident is already resolved.
    mutating func pageAtOnce() {
        guard incident.phase == .investigating || incident.phase == .mitigated else { return }
        for ref in policy[incident.severity].pageAtOnce {
            guard let ladder = policy.ladder(ref.ladder), let index = ladder.index(of: ref.level) else { continue }
            page(ladder, index, .immediate)
        }
    }

    /// The ladder's current level's wait ran out at `due`: page the next eligible level, or
    /// the top again while the repeat limit allows, or go idle.
    mutating func climb(_ ladderID: String, due: Timestamp) {
        guard let ladder = policy.ladder(ladderID), var progress = incident.ladders[ladderID],
              progress.stopped == nil, let current = progress.level
        else { return }
        let severity = incident.severity
        if let next = ladder.nextLevel(after: current, at: severity) {
            progress.level = next
            progress.nextStepAt = due + ladder.levels[next].wait
            incident.ladders[ladderID] = progress
            page(ladder, next, .climb)
        } else if let top = ladder.topLevel(at: severity), ladder.repeatAtTop.allows(progress.repeatsAtTop) {
            progress.level = top
            progress.repeatsAtTop += 1
            progress.nextStepAt = due + ladder.levels[top].wait
            incident.ladders[ladderID] = progress
            page(ladder, top, .repeatAtTop)
        } else {
            progress.nextStepAt = nil
            incident.ladders[ladderID] = progress
            record(.ladderStopped, "The \(ladderID) ladder reached its top; no more pages from it.", by: .bot)
        }
    }

    /// Too many status updates were missed (behaviour.md section 4): every ladder that steps on a
    /// missed update pages its next level now. An acknowledged ladder steps too (the IC went
    /// quiet) but does not start climbing again; a mitigated or resolved one does not step.
    mutating func stepForMissedUpdate(due: Timestamp) {
        for ladder in policy.ladders where ladder.stepsOnMissedUpdate {
            guard var progress = incident.ladders[ladder.id], let current = progress.level,
                  progress.stopped == nil || progress.stopped == .acknowledged
            else { continue }
            let climbing = progress.stopped == nil
            let target: Int
            if let next = ladder.nextLevel(after: current, at: incident.severity) {
                target = next
            } else if let top = ladder.topLevel(at: incident.severity), ladder.repeatAtTop.allows(progress.repeatsAtTop) {
                target = top
                progress.repeatsAtTop += 1
            } else {
                continue
            }
            progress.level = target
            if climbing { progress.nextStepAt = due + ladder.levels[target].wait }
            incident.ladders[ladder.id] = progress
            page(ladder, target, .missedUpdate)
        }
    }

    /// Stops, for good, every ladder whose policy stops on `condition`.
    mutating func stopLadders(on condition: Ladder.StopCondition, detail: String) {
        for ladder in policy.ladders where ladder.stopOn.contains(condition) {
            var progress = incident.ladders[ladder.id] ?? LadderProgress()
            guard progress.stopped == nil else { continue }
            let wasRunning = progress.level != nil
            progress.stopped = condition
            progress.nextStepAt = nil
            incident.ladders[ladder.id] = progress
            if wasRunning {
                record(.ladderStopped, "The \(ladder.id) ladder stopped: \(detail).", by: .bot)
            }
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

    /// Pages whoever fills `ladder.levels[index]` now. A person is paged at most once per
    /// transition (a late scheduler catching up sends one page, not a burst); every page is
    /// on the timeline.
    mutating func page(_ ladder: Ladder, _ index: Int, _ reason: PageRecord.Reason) {
        let level = ladder.levels[index]
        let ref = ladder.reference(index)
        guard let person = roster.onDuty(ref, at: now) else {
            record(.paged, "Could not page \(ref) (\(level.role)): no one fills it in the roster.", by: .bot)
            post(Messages.unfilledLevel(ref, role: level.role))
            return
        }
        incident.pages.append(PageRecord(at: now, person: person, level: ref, reason: reason))
        record(.paged, "Paged @\(person) as \(level.role) (\(ref)\(reason.timelineNote)).", by: .bot)
        guard pagedNow.insert(person).inserted else { return }
        let message = Messages.page(incident, ladder: ladder, level: level, reason: reason, now: now)
        emit(.page(Page(person: person, ladder: ladder.id, level: level.id, role: level.role, message: message)))
    }

    /// Records an acknowledgement by `person` and stops the ladders that stop on one.
    mutating func acknowledge(by person: PersonID, how: String) {
        let first = incident.acknowledgedAt == nil
        if first { incident.acknowledgedAt = now }
        record(.acknowledged, first ? "Acknowledged by @\(person) (\(how))." : "Also acknowledged by @\(person) (\(how)).",
               by: .person(person))
        stopLadders(on: .acknowledged, detail: "acknowledged by @\(person)")
    }
}

extension PageRecord.Reason {
    var timelineNote: String {
        switch self {
        case .climb: ""
        case .repeatAtTop: ", again: still unanswered"
        case .immediate: ", at once for the severity"
        case .missedUpdate: ", status updates missed"
        }
    }
}

extension Incident {
    /// A page that every platform refused for good (the account is gone, direct messages are
    /// blocked): the timeline records it and, while the incident is open, its room is told so
    /// someone reaches the person another way. The ladder keeps its times.
    /// A message about this incident was given up after `attempts` tries: the timeline records
    /// it and the room is told, once per incident (`alreadyTold`: an earlier one was recorded),
    /// so the responders know to look, and operators find it with `incident-bot outbox --failed`.
    public func messageUndelivered(key: String, reason: String, alreadyTold: Bool, at now: Timestamp, roster: Roster) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        transition.record(.undelivered, "Gave up delivering \(key): \(reason).", by: .bot)
        if !alreadyTold { transition.post(Messages.undeliveredMessage(reason: reason)) }
        return transition.finish()
    }

    public func pageUndelivered(_ page: Page, reason: String, at now: Timestamp, roster: Roster) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        transition.record(.paged, "Could not deliver the page to @\(page.person) (\(page.role), \(page.ladder) \(page.level)): \(reason).",
                          by: .bot)
        if phase == .investigating || phase == .mitigated { transition.post(Messages.undeliveredPage(page, reason: reason)) }
        return transition.finish()
    }
}
