import IncidentCore
import IncidentPolicy

/// What becomes of a page after it is decided, as delivery reports it: landed, failed over,
/// given up, withdrawn before it went out (and whether it should be), or dropped by an operator.
extension Incident {
    /// A message about this incident was given up after `attempts` tries: the timeline records
    /// it and the room is told, once per incident (`alreadyTold`: an earlier one was recorded),
    /// so the responders know to look, and operators find it with `incident-bot outbox --failed`.
    ///
    /// `refusedByRoom`: the message, when the incident's room on its home platform refused
    /// it (archived, deleted, the bot removed). A nudge or a post-mortem reminder asks people
    /// to act, so it goes to each person it mentions as a direct message, saying why, with its
    /// commands naming the incident (typed outside its room); a warning (someone no method
    /// could page) goes to the incident's leads (`Transition.leads`), but never to anyone it could
    /// not page. The room is told as of any dead letter; where it refuses that notice too,
    /// the notice is a dead letter in turn, on the timeline once more.
    ///
    /// `roomNotMade`: the message was the room's creation on its home platform: the incident's
    /// leads hear of it directly, as there is no room to tell. The declarer had
    /// been answered with the room's name and the pages named it, and a P3, which has no
    /// nudges, left nobody to find out.
    public func messageUndelivered(key: String, reason: String, alreadyTold: Bool, refusedByRoom: Message? = nil, roomNotMade: Bool = false,
                                   at now: Timestamp, roster: Roster) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        transition.record(.undelivered, "Gave up delivering \(key): \(reason).", by: .bot)
        if roomNotMade {
            for person in transition.leads {
                transition.emit(.directMessage(Messages.roomNotMade(self, key: key, reason: reason), to: person))
            }
            return transition.finish()
        }
        if let message = refusedByRoom, message.kind.callsForAttention {
            let recipients = message.kind == .warning ? transition.leads.filter { unreachable?.contains($0) != true } : message.mentions
            for person in recipients {
                transition.emit(.directMessage(Messages.refusedByRoom(message, incident: self, reason: reason), to: person))
            }
        }
        if !alreadyTold { transition.post(Messages.undeliveredMessage(reason: reason)) }
        return transition.finish()
    }

    /// A nudge or reminder went up in the incident's room, but `people` it asks to act had
    /// not joined it (an IC named from the lobby holds only an invitation), and their platform
    /// tells them nothing of a room they have not joined: each gets it directly, saying where
    /// it was posted. Only people the message mentions; nothing on the timeline, as the message
    /// itself went out.
    public func messageUnseen(_ message: Message, by people: [PersonID], at now: Timestamp, roster: Roster) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        guard message.kind.asksItsMentions else { return transition.finish() }
        let unseen = Set(people)
        var told: Set<PersonID> = []
        for person in message.mentions where unseen.contains(person) && told.insert(person).inserted {
            transition.emit(.directMessage(Messages.unseenInRoom(message, incident: self), to: person))
        }
        return transition.finish()
    }

    /// Where a page landed: the timeline records the method that took it, and its records
    /// are marked as having reached their person (`PageRecord.landed`). `madeAt`: as for
    /// `pageWithdrawn`.
    public func pageDelivered(_ page: Page, by method: ContactMethod, at now: Timestamp, roster: Roster,
                              madeAt: Timestamp? = nil) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        transition.record(.paged, "Page to \(page.timelineName) delivered by \(method).", by: .bot)
        for index in records(of: page, madeAt: madeAt) { transition.incident.pages[index].landed = true }
        return transition.finish()
    }

    /// Whether a page of this incident reached `person`, as its `timeline` records
    /// (`pageDelivered`). A page still retrying reached nobody yet: an answer of theirs that
    /// names no incident (an SMS reply of a bare `ACK`) is not for it, though the page is
    /// made and waits for them.
    public static func pageReached(_ person: PersonID, in timeline: [TimelineEntry]) -> Bool {
        let opening = "Page to \(person.handle) ("
        return timeline.contains { entry in
            entry.kind == .paged && entry.author == nil && entry.text.hasPrefix(opening) && entry.text.contains(") delivered by ")
        }
    }

    /// Why a page still waiting in the outbox should no longer go out: its ladder stopped after
    /// it was made (someone answered while it was retrying), its own person acknowledged after
    /// it was made, or the incident was resolved. nil: it still should.
    ///
    /// A page made when its ladder had already stopped, or by the very decision that stopped
    /// it, goes out: a missed update steps an acknowledged ladder because the IC went quiet,
    /// and declaring with `--ic` pages the on-call as usual. Which came first is told by the
    /// incident's count of effects, not the clock, so a batch decided at one instant, or an
    /// answer committed just after a tick, is ordered as it was decided. A page the severity
    /// makes at once (P0: the VP engineering) tells someone that an incident this bad exists,
    /// not that nobody answers: only the resolution or its person's own acknowledgement
    /// withdraws it, not another's answer or a rotation's handover.
    ///
    /// The declaration's own page to a ladder's first level says the same: the incident
    /// exists. Another's answer does not withdraw it either (an IC named in the same batch as
    /// the declaration, or while the page retried behind a platform's outage): it goes as it
    /// does when the declaration names the IC with `--ic`, and as a page held for working
    /// hours does, unless the incident is mitigated or resolved, or its person acknowledged.
    public func withdrawal(of page: Page) -> String? {
        if phase == .resolved || phase == .closed { return "\(id) is \(phase.rawValue)" }
        // Its person answered after it was made (a page after the ladder stopped, or at once).
        if let number = page.effectNumber, let answered = acknowledgedAfterEffect?[page.person], number <= answered {
            return "\(page.person.handle) acknowledged"
        }
        if page.atOnce == true { return nil }
        let declared = isDeclarationsPage(page)
        if declared, phase == .mitigated,
           ([page.ladder] + (page.alsoFor ?? [])).allSatisfy({ policy.ladder($0)?.stopOn.contains(.mitigated) == true }) {
            return "\(id) is \(phase.rawValue)"
        }
        // A page that carries two ladders' (one person on both) goes while either still asks.
        var stops: [String] = []
        for ladder in [page.ladder] + (page.alsoFor ?? []) {
            guard let progress = ladders[ladder], let stopped = progress.stopped, progress.stopCameAfter(page),
                  !(declared && stopped == .acknowledged) else { stops = []; break }
            stops.append("the \(ladder) ladder stopped (\(stopped.rawValue))")
        }
        if !stops.isEmpty { return stops.joined(separator: ", ") }
        // A rotation handed over: the level's page went to whoever is on call now (unless the
        // page carries another ladder's too, which still asks it of this person).
        let level = LevelRef(ladder: page.ladder, level: page.level)
        if page.alsoFor == nil, let incoming = handedOn(level, from: page.person) {
            return "the rotation handed \(level) over to \(incoming.handle)"
        }
        return nil
    }

    /// Whether `page` is one the declaration itself made: the latest record of its person at
    /// its level is a climb's, made at the declaration's instant (a later page to them there,
    /// a roster edit's move back to them, is not the declaration's).
    func isDeclarationsPage(_ page: Page) -> Bool {
        let level = LevelRef(ladder: page.ladder, level: page.level)
        guard let latest = pages.last(where: { $0.person == page.person && $0.level == level }) else { return false }
        return latest.at == declaredAt && latest.reason == .climb
    }

    /// A page withdrawn before it went out: the timeline says so. `mayHaveGoneOut`: delivery
    /// cannot tell whether it was sent before a restart or a failed record (it is not sent
    /// again either way), and the timeline says that instead.
    /// `madeAt`: when the page was decided (its outbox item's creation), which tells its
    /// records from later pages to the same person and level.
    public func pageWithdrawn(_ page: Page, reason: String, at now: Timestamp, roster: Roster, mayHaveGoneOut: Bool = false,
                              madeAt: Timestamp? = nil) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        transition.record(.paged, mayHaveGoneOut
                              ? "Page to \(page.timelineName) not sent again: \(reason). It may have gone out before a restart, unrecorded."
                              : "Page to \(page.timelineName) withdrawn before it went out: \(reason).",
                          by: .bot)
        // What reached nobody is not shown as paged (`/incident escalation`, the export).
        if !mayHaveGoneOut { transition.incident.markWithdrawn(page, madeAt: madeAt) }
        return transition.finish()
    }

    /// A page an operator gave up (`incident-bot outbox drop`): its records are marked
    /// withdrawn, so `/incident escalation` and the export do not show its person as paged,
    /// and the timeline says who dropped it and why. `madeAt`: as for `pageWithdrawn`.
    public func pageDroppedByOperator(_ page: Page, reason: String, at now: Timestamp,
                                      madeAt: Timestamp?) -> (incident: Incident, entry: TimelineEntry) {
        var incident = self
        incident.markWithdrawn(page, madeAt: madeAt)
        return (incident, page.droppedByOperator(reason: reason, at: now))
    }

    /// Marks the records of `page` withdrawn (`records(of:madeAt:)`).
    mutating func markWithdrawn(_ page: Page, madeAt: Timestamp?) {
        for index in records(of: page, madeAt: madeAt) { pages[index].withdrawn = true }
    }

    /// The records of `page`: those its decision made (its person's, at `madeAt`, on the
    /// ladders it carried: one page stands for every level it was made for), else, for a page
    /// queued later than its decision (moved to another method), the latest not withdrawn of
    /// its person at its level and at each other ladder it carried.
    func records(of page: Page, madeAt: Timestamp?) -> [Int] {
        let carried = Set([page.ladder] + (page.alsoFor ?? []))
        let made = pages.indices.filter {
            pages[$0].person == page.person && pages[$0].at == madeAt && carried.contains(pages[$0].level.ladder)
        }
        if !made.isEmpty { return made }
        let level = LevelRef(ladder: page.ladder, level: page.level)
        var found: [Int] = []
        let standing = pages.indices.reversed().filter { pages[$0].person == page.person && pages[$0].withdrawn != true }
        if let atLevel = standing.first(where: { pages[$0].level == level }) { found.append(atLevel) }
        var ladders = Set(page.alsoFor ?? [])
        for index in standing where !found.contains(index) {
            if ladders.remove(pages[index].level.ladder) != nil { found.append(index) }
        }
        return found
    }

    /// A page one method could not take moves to the person's next: the timeline records the
    /// failed attempt and where the page goes now. The room hears only when every method fails.
    public func pageFailedOver(_ page: Page, from failed: ContactMethod, to next: ContactMethod, reason: String, at now: Timestamp,
                               roster: Roster) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        transition.record(.paged, "Page to \(page.person.handle) by \(failed) failed (\(reason)); trying \(next).", by: .bot)
        return transition.finish()
    }

    /// A page that every platform refused for good (the account is gone, direct messages are
    /// blocked): the timeline records it and, while the incident is open, its room is told so
    /// someone reaches the person another way. The ladder keeps its times.
    /// The room is told once per person: a ladder repeating its top for someone no platform
    /// reaches would otherwise repeat the warning with every page. Every failure is on the
    /// timeline.
    public func pageUndelivered(_ page: Page, reason: String, at now: Timestamp, roster: Roster) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: nil)
        transition.record(.paged, "Could not deliver the page to \(page.timelineName): \(reason).",
                          by: .bot)
        let firstTime = transition.incident.unreachable?.contains(page.person) != true
        transition.incident.unreachable = (transition.incident.unreachable ?? []).union([page.person])
        if firstTime, phase == .investigating || phase == .mitigated { transition.post(Messages.undeliveredPage(page, reason: reason)) }
        return transition.finish()
    }
}

extension Page {
    /// Who was paged as what, as the timeline names a page: `@bob (team lead, engineering L2)`.
    var timelineName: String { "\(person.handle) (\(role), \(ladder) \(level))" }

    /// The timeline's entry for this page given up by an operator (`incident-bot outbox
    /// drop`): the incident's record says who was not paged, and why. A page a running bot was
    /// sending at that very moment still arrives, and its landing follows on the timeline; so
    /// the entry does not claim it never went out.
    func droppedByOperator(reason: String, at instant: Timestamp) -> TimelineEntry {
        TimelineEntry(at: instant, author: nil, kind: .paged,
                      text: "Page to \(timelineName) dropped by an operator, not to be tried again: \(reason).")
    }
}
