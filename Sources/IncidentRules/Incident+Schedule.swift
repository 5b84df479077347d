import IncidentCore
import IncidentPolicy

/// Something the scheduler must do for an incident at a time.
public struct DueItem: Hashable, Sendable, CustomStringConvertible {
    public var at: Timestamp
    public var kind: Kind

    public enum Kind: Hashable, Sendable {
        /// A status update is overdue: nudge.
        case statusUpdate
        /// A ladder's current level has waited long enough.
        case ladderStep(String)
        /// The post-mortem is due.
        case postmortemReminder
        /// An action item's due day has come: its owner is reminded.
        case actionReminder(Int)
        /// A fifth of a response target's time is left.
        case targetWarning(ResponseTargets.Kind)
        /// A response target ran out.
        case targetMissed(ResponseTargets.Kind)
        /// The rotation filling a climbing ladder's level hands over.
        case rotationHandover(String)
        /// The working hours of the person a handover of a ladder's level (its index) was
        /// waiting for open: their page goes.
        case waitingHandover(String, level: Int)
    }

    public var description: String { "\(at) \(kind)" }
}

extension Incident {
    /// Everything that comes due at some time, earliest first; ties: rotations' handovers
    /// first, then the ladders' steps in ladder order, then the nudge, then the post-mortem
    /// reminder, then response targets, then action items' reminders. A handover goes before
    /// a step at its second: the incoming person is paged for the level the climb reached, and
    /// then the climb moves on (or repeats its top: one page to them, in the handover's words).
    /// After the step the level was another's, and the incoming on-call never heard of it.
    public var schedule: [DueItem] {
        var items: [DueItem] = []
        if phase == .investigating || phase == .mitigated {
            for ladder in policy.ladders {
                guard let progress = ladders[ladder.id] else { continue }
                if progress.pageMovesWithTheRotation, let at = progress.rotationHandoverAt {
                    items.append(DueItem(at: at, kind: .rotationHandover(ladder.id)))
                }
                // A ladder gone quiet (its top paged as often as it may) moves no page: a
                // handover is not a way around the bound on repeats. Its waiting handovers are
                // still due, to tell the room the page it was promised does not go.
                if progress.stopped == nil {
                    for waiting in progress.waitingHandovers ?? [] {
                        items.append(DueItem(at: waiting.at, kind: .waitingHandover(ladder.id, level: waiting.level)))
                    }
                }
            }
        }
        for ladder in policy.ladders {
            // A resolved incident climbs no ladder, whatever a ladder's `stop_on` leaves out.
            if phase == .investigating || phase == .mitigated,
               let progress = ladders[ladder.id], progress.stopped == nil || progress.heldPage != nil, let at = progress.nextStepAt {
                items.append(DueItem(at: at, kind: .ladderStep(ladder.id)))
            }
        }
        if phase == .investigating || phase == .mitigated, let at = updateDue {
            items.append(DueItem(at: at, kind: .statusUpdate))
        }
        if phase == .resolved, let at = nextPostmortemReminder {
            items.append(DueItem(at: at, kind: .postmortemReminder))
        }
        items += Transition.targetItems(self)
        if phase != .closed {
            for item in actionItems where item.isOpen {
                if let at = item.remindAt { items.append(DueItem(at: at, kind: .actionReminder(item.number))) }
            }
        }
        return items.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// Whether `ladder` holds its first page for working hours: the climb's page of its plan's
    /// first level, with nobody on the ladder paged yet (a withdrawn page reached nobody).
    func holdsFirstPage(of ladder: Ladder) -> Bool {
        guard let progress = ladders[ladder.id], progress.heldPage == .climb,
              progress.level == policy.plan(ladder, at: severity).first?.index else { return false }
        return !pages.contains { $0.level.ladder == ladder.id && $0.withdrawn != true }
    }

    /// The earliest time anything is due; nil when nothing ever will be (closed, or resolved
    /// with no post-mortem due). The store keeps this so the scheduler sleeps until it.
    public var nextDue: Timestamp? { schedule.first?.at }

    /// What is due at or before `now`, earliest first.
    public func due(at now: Timestamp) -> [DueItem] {
        schedule.filter { $0.at <= now }
    }

    /// Fires everything due at or before `now`, oldest first, each at its own due time: a
    /// scheduler that was down catches up once, in order, and ends where an always-running one
    /// would be. Nudges missed in a row become one nudge; a person is paged at most once.
    public func tick(at now: Timestamp, roster: Roster) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        transition.fireDue()
        return transition.finish()
    }
}

extension Transition {
    /// Upper bound on items fired in one go, so a corrupt due time cannot spin forever.
    static let maxItemsPerTick = 10_000

    mutating func fireDue() {
        for _ in 0..<Transition.maxItemsPerTick {
            guard let item = incident.due(at: now).first else { return }
            switch item.kind {
            case .ladderStep(let id): climb(id, due: item.at)
            case .statusUpdate: nudge(due: item.at)
            case .postmortemReminder: remindOfPostmortem(due: item.at)
            case .actionReminder(let number): remindOfAction(number)
            case .targetWarning(let kind): warnOfTarget(kind)
            case .targetMissed(let kind): recordTargetMissed(kind)
            case .rotationHandover(let id): handOverRotation(id, due: item.at)
            case .waitingHandover(let id, let level): pageWaitingHandover(id, level: level, due: item.at)
            }
        }
    }

    /// A status update fell due at `due` and none came. For a severity that pages only in
    /// working hours, the update clock stops outside them and starts again at the next
    /// working period: the first update is due one interval after it opens. No nudge rings at
    /// night, no miss is counted at the opening (as the on-call is first paged), and a P2
    /// declared on Friday night reaches the team lead as late as one declared at the opening.
    mutating func nudge(due: Timestamp) {
        guard let interval = policy.updateInterval(incident.severity) else {
            incident.nextUpdateDue = nil
            incident.missedUpdates = 0
            return
        }
        // A snooze that ended outside working hours: the clock starts again when they open
        // (`Incident.updateDue` moves a deadline there into them; one at the close itself is in
        // them, by the same rule).
        if !policy.updateFallsInWorkingHours(at: incident.severity, due) {
            incident.nextUpdateDue = due
            return
        }
        // The on-call's first page still waits for their own working hours, which open later
        // than the policy's (they keep another zone): the update clock starts when it goes, as
        // it starts at the policy's opening. Counted from the policy's, misses climbed to the
        // team lead an hour after the on-call first heard of the incident.
        if let held = firstPageHeldUntil, held > due {
            incident.nextUpdateDue = held + interval
            return
        }
        // A snooze ran out over a deadline: the nudge names the last deadline it kept quiet,
        // which is what was owed, and says it was snoozed. The next update is due a whole
        // interval after the nudge, so the IC is not nagged again minutes later. Ended after
        // the working hours of a severity that pages only in them, the nudge comes when they
        // open (`updateDue`), after the snooze's end.
        var owed = due
        var snoozed: Timestamp?
        if let until = incident.snoozedUntil, until <= due,
           let deadline = incident.nextUpdateDue.map({ policy.updateDeadline(at: incident.severity, $0) }), deadline < until {
            owed = incident.lastUpdateDeadline(from: deadline, notAfter: until, every: interval)
            snoozed = until
        }
        incident.missedUpdates += 1
        var next = due + interval
        // A catch-up's nudge moments before the next deadline: that deadline is skipped, not
        // counted (a P2 caught up at 15:59:30 nudged for 14:00, then again at 16:00).
        if now > due + Self.catchUpGrace, next > now, next - now < Self.pagedMomentsAgo { next = next + interval }
        incident.nextUpdateDue = next
        let missed = incident.missedUpdates
        record(.updateMissed, "Status update due \(zone.clockTime(owed, seenAt: now)) missed (\(missed) in a row).", by: .bot)
        // The nudge says what the miss did, so nobody believes a page went out that did not.
        if missed >= policy.escalateAfterMissed {
            let step = stepForMissedUpdate(due: due)
            strongestStep = max(strongestStep ?? step, step)
        }
        // Caught up after downtime outside the working hours of a severity that pages only in
        // them: the misses count and the ladder steps (its page held for the opening), but
        // nobody is woken by a nudge; the next comes in working hours. A bot restarted at 03:00
        // nudged a P2's IC then for an update due at 14:00.
        // Unless someone was paged by it (a level whose person keeps another zone's hours):
        // then the room hears so.
        let someonePaged = strongestStep == .paged || strongestStep == .repeatedAtTop
        if now > due + Self.downtime, !someonePaged, policy.earliestPage(at: incident.severity, from: now, zone: nil) > now {
            pendingNudge = nil
            return
        }
        // Nudges are bounded, as pages are: past the policy's most in a row, an incident left
        // open and forgotten mentioned its people each half hour, all night, for weeks. The
        // last one says so; a miss that pages someone is still told in the room, which must
        // know. A catch-up across the bound (its misses become one nudge) is that last one.
        let limit = policy.mostNudgesInARow
        let pastTheBound = missed > limit && !someonePaged
        if pastTheBound, pendingNudge == nil { return }
        pendingNudge = Messages.nudge(incident, due: owed, snoozedUntil: snoozed, missed: missed, step: strongestStep,
                                      recipients: nudgeRecipients, now: now, last: missed == limit || pastTheBound)
    }

    /// At the declaration: the first update is due an interval after the on-call's first page
    /// goes, when it waits for their working hours, as `nudge` keeps it, so the kickoff and the
    /// topic name the time the nudge comes. Not when the declaration names an IC, who works it
    /// now and owes updates on the policy's hours.
    mutating func startUpdateClockAtFirstPage() {
        guard !isTakenOn, let interval = policy.updateInterval(incident.severity),
              let due = incident.nextUpdateDue else { return }
        let opens = policy.ladders.filter(\.stepsOnMissedUpdate).compactMap { ladder -> Timestamp? in
            policy.plan(ladder, at: incident.severity).first.flatMap { heldUntil(ladder, $0.index, at: now) }
        }.min()
        if let opens, opens + interval > due { incident.nextUpdateDue = opens + interval }
    }

    /// When the first page of a ladder that missed updates step is due to go, while it waits
    /// for working hours, nobody on that ladder has been paged yet, and nobody has taken the
    /// incident on (`isTakenOn`): someone working it owes updates on the policy's hours. nil
    /// otherwise.
    var firstPageHeldUntil: Timestamp? {
        guard !isTakenOn else { return nil }
        return policy.ladders.filter(\.stepsOnMissedUpdate).compactMap { ladder -> Timestamp? in
            incident.holdsFirstPage(of: ladder) ? incident.ladders[ladder.id]?.nextStepAt : nil
        }.min()
    }

    /// Whether someone works the incident: an IC is named, someone acknowledged, or an update
    /// restarted the update clock.
    var isTakenOn: Bool {
        incident.commander != nil || !(incident.acknowledgedBy?.isEmpty ?? true) || incident.hasUpdate
    }

    /// Someone took the incident on while the update clock waited for the on-call's held first
    /// page (`startUpdateClockAtFirstPage`): updates are owed an interval from now, as they are
    /// when the declaration names the IC, not from that page.
    mutating func startUpdateClockNowIfWaiting() {
        guard let interval = policy.updateInterval(incident.severity), let due = incident.nextUpdateDue, due > now + interval else { return }
        incident.nextUpdateDue = now + interval
    }

    /// Who a nudge mentions: the severity's nudge roles that are filled, or, when no IC is
    /// named yet, the (acting) declarer and whoever acknowledged the page: the on-call who
    /// answered and works the incident never heard that an update was owed, and missed
    /// updates went on to page their manager.
    var nudgeRecipients: [PersonID] {
        var people: [PersonID] = []
        for role in policy[incident.severity].nudge {
            if let person = incident.roles[role], !people.contains(person) { people.append(person) }
        }
        if incident.commander == nil {
            let answered = (incident.acknowledgedBy ?? []).sorted().filter { !people.contains($0) && $0 != incident.actingDeclarer }
            people = answered + people
            if !people.contains(incident.actingDeclarer) { people.insert(incident.actingDeclarer, at: 0) }
        }
        return people
    }

    /// Who hears what the incident's leads must act on when its room cannot tell them: the
    /// people a nudge goes to, and the IC (or the acting declarer) whatever the severity's
    /// `nudge:` roles (a P3's are none).
    var leads: [PersonID] {
        let lead = incident.commander ?? incident.actingDeclarer
        let people = nudgeRecipients
        return people.contains(lead) ? people : [lead] + people
    }

    /// The post-mortem reminder due at `due`. Reminders missed meanwhile (the scheduler was
    /// down, or a severity change made the first one owed long ago) become this one, and the
    /// next is a whole step after it: the next on the old schedule could be minutes away (a
    /// P2 raised to P0 on the day its P0 reminder would have gone posted it twice in five
    /// minutes).
    mutating func remindOfPostmortem(due: Timestamp) {
        // Outside working hours it waits for them, not mentioning the IC at 03:00 (an incident
        // resolved at 01:00 had its reminders at 01:00 every night; a catch-up after the bot
        // was down likewise), and the next comes a day after it.
        if let opens = (policy.workingHours ?? .office).nextWorkingTime(from: now, in: zone), opens > now {
            incident.nextPostmortemReminder = opens
            return
        }
        incident.nextPostmortemReminder = max(due, now) + policy.postmortemReminderStep
        incident.postmortemRemindedAt = now
        let owner = incident.commander ?? incident.actingDeclarer
        record(.postmortemReminder, "Reminded \(owner.handle) of the post-mortem.", by: .bot)
        post(Messages.postmortemReminder(incident, owner: owner, dueDay: postmortemDueDay(before: now)))
    }

    /// The day the post-mortem fell due (its resolution plus the severity's `postmortem_due`),
    /// in the policy's zone, when that is a day before `now`'s; nil on the day itself.
    func postmortemDueDay(before now: Timestamp) -> String? {
        guard let resolved = incident.resolvedAt, let after = policy[incident.severity].postmortemDue else { return nil }
        let day = zone.civil(resolved + after).isoDate
        return resolved + after < now && day < zone.civil(now).isoDate ? day : nil
    }
}

extension Policy {
    /// How far apart post-mortem reminders go: `postmortem_reminder_every`, at least a second.
    var postmortemReminderStep: Duration { .seconds(max(postmortemReminderEvery.wholeSeconds, 1)) }
}
