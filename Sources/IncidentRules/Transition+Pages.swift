import IncidentCore
import IncidentPolicy

/// A page as a transition makes it: one a person per transition, carried for another ladder or
/// for the severity's page at once, the invitation that comes with it, and the settlements
/// that tell providers with their own alerts (PagerDuty) a page is over.
extension Transition {
    /// Pages whoever fills `ladder.levels[index]` now. A person is paged at most once per
    /// transition (a late scheduler catching up sends one page, not a burst); every page is
    /// on the timeline. True when the page was folded into one this transition already made for
    /// the same level: nothing went out for it.
    @discardableResult
    mutating func page(_ ladder: Ladder, _ index: Int, _ reason: PageRecord.Reason) -> Bool {
        let level = ladder.levels[index]
        let ref = ladder.reference(index)
        guard let person = roster.onDuty(ref, at: now) else {
            record(.paged, "Could not page \(ref) (\(level.role)): no one fills it in the roster.", by: .bot)
            post(Messages.unfilledLevel(ref, role: level.role))
            unfilledNow.append(ref)
            return false
        }
        incident.pages.append(PageRecord(at: now, person: person, level: ref, reason: reason))
        // The climb's level, when a rotation fills it, moves with the rotation (`handOverRotation`).
        if incident.ladders[ladder.id]?.level == index {
            incident.ladders[ladder.id]?.rotationHandoverAt = roster.rotation(filling: ref)?.nextHandover(after: now, from: person)
        }
        // A level paged again in the same transition (a late scheduler catching up on the top's
        // repeats) is folded into the page already made: nothing more is sent, nor recorded.
        // A folded repeat is not kept either (a week down would keep one for every repeat that
        // fell due); a folded page at once is, as the mark that the alert is the severity's.
        let foldedRepeat = pagedNow.contains(person)
            && incident.pages.dropLast().contains { $0.at == now && $0.person == person && $0.level == ref }
        if foldedRepeat {
            if reason == .repeatAtTop || reason == .missedUpdate { incident.pages.removeLast() }
        } else {
            record(.paged, "Paged \(person.handle) as \(level.role) (\(ref)\(reason.timelineNote)).", by: .bot)
        }
        guard pagedNow.insert(person).inserted else {
            // One page a person per transition: if it is also the severity's page at once, it
            // carries that, so an acknowledgement does not withdraw it.
            if reason == .immediate { markPageAtOnce(person) }
            markPage(of: person, carrying: ladder.id, level: level.id, as: "\(level.role) (\(ladder.id) \(level.id))")
            return foldedRepeat
        }
        // PagerDuty folds a trigger into the open alert of its key (one per incident, level and
        // person), and an alert the bot acknowledged when this ladder stopped notifies nobody
        // again: a page to someone paged at this level before the stop (a missed update's
        // step, the top repeated) closes that alert first, so it opens one that rings.
        if incident.ladders[ladder.id]?.stopped != nil, incident.pages.dropLast().contains(where: { $0.person == person && $0.level == ref }) {
            emit(.settlePages(PageSettlement(outcome: .resolved, pages: [PagedLevel(person: person, ladder: ladder.id, level: level.id)])))
        }
        let message = Messages.page(incident, ladder: ladder, level: level, reason: reason, now: now,
                                    toCommander: person == incident.commander)
        emit(.page(Page(person: person, ladder: ladder.id, level: level.id, role: level.role, message: message,
                        methods: level.methods, severity: incident.severity, atOnce: reason == .immediate ? true : nil,
                        effectNumber: incident.effectsIssued + 1)))
        // The room the page names must be one they can open (Matrix incident rooms are
        // invite-only): a page also invites the person, once, in the room's own lane, after
        // the room is made. Transports keep no incident state for it.
        invite(person)
        return false
    }

    /// Marks the page this transition already emitted for `person` as the severity's page at
    /// once.
    mutating func markPageAtOnce(_ person: PersonID) {
        for index in effects.indices {
            guard case .page(var page) = effects[index].action, page.person == person else { continue }
            page.atOnce = true
            effects[index].action = .page(page)
        }
    }

    /// Marks the page this transition already emitted for `person` as also carrying `ladder`'s:
    /// an answer that stops the ladder it was made for does not withdraw what the other still
    /// asks of them (the on-call who is also the operations manager).
    /// When that ladder waits for an acknowledgement and the page was made for one that does
    /// not (business first in the policy), the page asks for one too: its mail link, reply,
    /// keypress and webhook URL come from that.
    /// The page says so too (`as`: the role and level, `operations manager (business L1)`),
    /// under the line that says what it was made for: she is woken as both. So it does for
    /// another `level` of the page's own ladder (the on-call who is also the team lead, both
    /// reached at once when their hours open): he heard only "on-call engineer", and learned
    /// he was wanted as team lead from the top's repeat four hours later. An answer to the
    /// page answers the ladder, so nothing else changes.
    mutating func markPage(of person: PersonID, carrying ladder: String, level: String, as role: String) {
        let asks = policy.ladder(ladder)?.asksForAnswers == true
        let line: [Span] = [.text("Also paged as \(role).")]
        for index in effects.indices {
            guard case .page(var page) = effects[index].action, page.person == person, !page.message.lines.contains(line),
                  page.ladder != ladder || page.level != level else { continue }
            // Another ladder's, the first time: the page carries it too (a second level of a
            // ladder it carries already only adds its line).
            if page.ladder != ladder, page.alsoFor?.contains(ladder) != true {
                page.alsoFor = (page.alsoFor ?? []) + [ladder]
                if asks { Messages.askForAnswer(&page.message, incident, now: now) }
            }
            page.message.lines.insert(line, at: Self.alsoPagedPosition(in: page.message))
            effects[index].action = .page(page)
        }
    }

    /// Where a page's next "Also paged as" line goes: under the line that says what the page was
    /// made for and the ones already there, in the order the levels were reached.
    static func alsoPagedPosition(in message: Message) -> Int {
        var position = min(2, message.lines.count)
        while position < message.lines.count, case .text(let text)? = message.lines[position].first, text.hasPrefix("Also paged as ") {
            position += 1
        }
        return position
    }

    /// Invites `person` to the incident room unless they were invited already (`always`: a
    /// role holder is invited again, which also gives them the responder's power).
    mutating func invite(_ person: PersonID, always: Bool = false) {
        guard always || incident.invited?.contains(person) != true else { return }
        incident.invited = (incident.invited ?? []).union([person])
        emit(.invite([person]))
    }

    /// Records an acknowledgement by `person` and stops the ladders that stop on one.
    /// Tells providers that keep their own incident per page (PagerDuty) that the pages of
    /// `ladders` are over (only `person`'s pages, when given); nothing when none was sent.
    /// A ladder stopped by someone else's acknowledgement leaves the alert of a severity's page
    /// at once (P0: the VP engineering) open until its own person answers or the incident is
    /// resolved, as the page itself: acknowledged in PagerDuty, the VP's own escalation rules
    /// there (a call five minutes on) never fired.
    mutating func settlePages(_ outcome: PageSettlement.Outcome, of ladders: Set<String>, person: PersonID? = nil) {
        var seen: Set<PagedLevel> = []
        let atOnceStillAsking = outcome == .acknowledged && person == nil
            ? Set(incident.pages.filter { $0.reason == .immediate && incident.acknowledgedBy?.contains($0.person) != true }.map(alertLevel))
            : []
        let pages = incident.pages.filter { ladders.contains($0.level.ladder) && (person == nil || $0.person == person) }
            .filter { person != nil || !carriesAnotherLadderStillAsking($0, settling: ladders) }
            .map(alertLevel)
            .filter { !atOnceStillAsking.contains($0) && seen.insert($0).inserted }
        guard !pages.isEmpty else { return }
        emit(.settlePages(PageSettlement(outcome: outcome, pages: pages)))
    }

    /// The level whose provider alert `record`'s page went out under: one person paged for
    /// several levels in one decision gets one page, made for the first of them (`markPage`),
    /// and a provider keys its alert by that level.
    func alertLevel(of record: PageRecord) -> PagedLevel {
        let first = incident.pages.first { $0.person == record.person && $0.at == record.at } ?? record
        return PagedLevel(person: first.person, ladder: first.level.ladder, level: first.level.level)
    }

    /// Whether `record`'s page also carried another ladder's, one not being settled and not
    /// stopped: one person paged by two ladders at once gets one page (`Page.alsoFor`), whose
    /// provider alert still tells them what the other ladder asks.
    func carriesAnotherLadderStillAsking(_ record: PageRecord, settling ladders: Set<String>) -> Bool {
        incident.pages.contains { other in
            other.person == record.person && other.at == record.at && !ladders.contains(other.level.ladder)
                && incident.ladders[other.level.ladder]?.stopped == nil
        }
    }
}

extension PageRecord.Reason {
    var timelineNote: String {
        switch self {
        case .climb: ""
        case .repeatAtTop: ", again: still unanswered"
        case .immediate: ", at once for the severity"
        case .missedUpdate: ", status updates missed"
        case .rotationHandover: ", the level passed to them"
        }
    }
}
