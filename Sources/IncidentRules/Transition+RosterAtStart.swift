import IncidentCore
import IncidentPolicy

/// The roster read as the bot starts (or a leader's term begins), for incidents whose pages
/// were decided under an earlier one: an unanswered page moves to whoever fills its level now,
/// and a page waiting for working hours waits for theirs. Each restart with the same files
/// says and pages nothing more.
extension Incident {
    /// A climbing ladder whose level the roster now gives to someone else moves its unanswered
    /// page to them, as a rotation's handover does. An on-call swapped in the roster by hand
    /// (alice asleep, dave put on call) was never paged: the page stayed with alice until the
    /// next level's. A page held for working hours, and a handover's page waiting for the
    /// incoming person's, wait for the hours of whoever fills the level now. nil: nothing moves.
    /// A rotation's own handover that fell due meanwhile is the scheduler's, with its words.
    public func handOverToTheRoster(at now: Timestamp, roster: Roster) -> Decision? {
        guard phase == .investigating || phase == .mitigated else { return nil }
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        var moved = false
        for ladder in policy.ladders {
            if transition.retimeWaitingHandovers(ladder) { moved = true }
            // A page held for working hours waits for the hours of whoever the roster names now.
            if let progress = ladders[ladder.id], progress.heldPage != nil, let index = progress.level,
               let told = progress.nextStepAt, told > now {
                if transition.retimeHeldPage(ladder, index, told: told) { moved = true }
                continue
            }
            // A ladder gone quiet at its top moves too when the roster no longer names its top's
            // person there (they left; the newcomer has never heard of the incident), but not
            // for the rotation's own turn, which a quiet ladder does not follow (`schedule`):
            // whether it turned while the bot was down must not decide who is paged.
            let quiet = ladders[ladder.id].map { !$0.pageMovesWithTheRotation } ?? false
            guard let progress = ladders[ladder.id], progress.stopped == nil, progress.heldPage == nil, let index = progress.level,
                  quiet || progress.rotationHandoverAt.map({ $0 > now }) ?? true else { continue }
            let ref = ladder.reference(index)
            guard let outgoing = pages.last(where: { $0.level == ref })?.person, let incoming = roster.onDuty(ref, at: now),
                  incoming != outgoing, !(quiet && roster.rotation(filling: ref)?.people.contains(outgoing) == true) else { continue }
            // A handover already waiting for this person's hours is theirs: said once, not at
            // every restart while their hours stay closed.
            let waiting = transition.incident.ladders[ladder.id]?.waitingHandovers ?? []
            if waiting.contains(where: { $0.level == index && $0.person == incoming }) { continue }
            transition.handOverRotation(ladder.id, due: now, rosterEdited: true)
            moved = true
        }
        if moved { transition.updateTopic() }
        return moved ? transition.finish() : nil
    }
}

extension Transition {
    /// A page held for working hours, under a roster edited since it was held (someone else on
    /// call, a person given another time zone): it waits for the hours of whoever fills the
    /// level now, and the room hears the new time, or that it goes now. Held for alice's Monday
    /// 09:00 UTC, it went to dave (Tokyo) a day late, his whole Monday gone by: judged at its
    /// old time, his hours were found closed until Tuesday. The response targets and the first
    /// update, counted from the time the first page was held for, move with it: the room heard
    /// a target missed before anyone was paged. True when the time moved.
    mutating func retimeHeldPage(_ ladder: Ladder, _ index: Int, told: Timestamp) -> Bool {
        let opens = opening(ladder, index, at: now) ?? now
        guard opens != told else { return false }
        incident.ladders[ladder.id]?.nextStepAt = opens
        if ladder.asksForAnswers, incident.workingHoursOpenedAt == told { incident.workingHoursOpenedAt = opens }
        if !isTakenOn, ladder.stepsOnMissedUpdate, incident.holdsFirstPage(of: ladder), let interval = policy.updateInterval(incident.severity),
           incident.nextUpdateDue == told + interval {
            incident.nextUpdateDue = opens + interval
        }
        if opens > now {
            hold(ladder, index, until: opens)
        } else {
            opensNow(ladder, index, told: told)
        }
        return true
    }

    /// A handover's page waiting for the incoming person's working hours (`waitingHandovers`),
    /// under a roster edited since: it waits for whoever fills the level now, and their hours,
    /// and the room hears the new time; it does not go, and the room hears so, when the roster
    /// names the person paged there before again. Left as it was, a Denver on-call whose hours
    /// were open at the restart was paged 20 hours later, at the time worked out for Tokyo.
    mutating func retimeWaitingHandovers(_ ladder: Ladder) -> Bool {
        // A ladder stopped meanwhile (acknowledged, mitigated) moves no page (`pageWaitingHandover`).
        guard let waiting = incident.ladders[ladder.id]?.waitingHandovers, incident.ladders[ladder.id]?.stopped == nil else { return false }
        var moved = false
        for handover in waiting where handover.at > now && ladder.levels.indices.contains(handover.level) {
            let ref = ladder.reference(handover.level)
            guard let incoming = roster.onDuty(ref, at: now) else { continue }
            let outgoing = incident.pages.last(where: { $0.level == ref })?.person
            if incoming == outgoing {
                let others = incident.ladders[ladder.id]?.waitingHandovers?.filter { $0.level != handover.level } ?? []
                incident.ladders[ladder.id]?.waitingHandovers = others.isEmpty ? nil : others
                dropPromisedPage(handover, on: ladder, because: .filledAgainBy(incoming))
                moved = true
                continue
            }
            let opens = opening(ladder, handover.level, at: now) ?? now
            guard opens != handover.at || incoming != handover.person else { continue }
            // An opening in a later turn than this person's is no promise to them (`opensInTheirTurn`).
            guard opens == now || opensInTheirTurn(opens, incoming, ref) else { continue }
            wait(LadderProgress.WaitingHandover(person: incoming, level: handover.level, at: opens), on: ladder.id)
            if incoming != handover.person, let outgoing {
                announceHandover(ladder, handover.level, to: incoming, from: outgoing, rosterEdited: true, opens: opens > now ? opens : nil,
                                 replacing: handover)
            } else if incoming == handover.person, !holdsPage(ladder, at: handover.level) {
                // A page the climb holds at this level for the same hours is said once, by its
                // own line (`retimeHeldPage`): the room read the same wait twice.
                announceRetimedHandover(ladder, handover, opens: opens)
            }
            moved = true
        }
        return moved
    }

    /// Whether the climb holds its page at `level` for working hours.
    func holdsPage(_ ladder: Ladder, at level: Int) -> Bool {
        incident.ladders[ladder.id].map { $0.heldPage != nil && $0.level == level } ?? false
    }

    /// A held page found at the start to go now (whoever fills its level keeps hours open now):
    /// the room was told another time, and hears why it goes early.
    mutating func opensNow(_ ladder: Ladder, _ index: Int, told: Timestamp) {
        let ref = ladder.reference(index)
        guard let person = roster.onDuty(ref, at: now), let progress = incident.ladders[ladder.id] else { return }
        // A stopped ladder's held page may go no more (`sendHeldPage`); a climbing one's goes.
        if progress.stopped != nil, let reason = progress.heldPage, !stoppedLaddersHeldPageStillGoes(ladder, reason, to: person) { return }
        record(.paged, "The page for \(ref) held until \(zone.dateTime(told)) goes now: \(person.handle)'s working hours are open.", by: .bot)
        post(Message(.text("🌅 The page for \(ref) (\(ladder.levels[index].role)) held until \(zone.dateTime(told)) goes now: "),
                     .mention(person), .text("'s working hours are open.")))
    }
}
