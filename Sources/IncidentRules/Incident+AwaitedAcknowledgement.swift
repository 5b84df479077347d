import IncidentCore
import IncidentPolicy

extension Incident {
    /// Whether `person` was paged on a ladder an acknowledgement stops (a page that asks them
    /// still: `asksForAnswer`) and has not acknowledged: an answer of theirs that names no
    /// incident (an SMS reply of a bare `ACK`) could be meant for this one. Whether the ladder
    /// still climbs does not matter: their page stands and asks them to answer it, and a text
    /// read for it must not land on another incident because someone else answered this one.
    public func awaitsAcknowledgement(from person: PersonID) -> Bool {
        // Its IC is answered `You are INC-N's incident commander … nothing more to do`: offered
        // it among the pages that wait, they were sent on a hop that answered nothing.
        guard phase == .investigating || phase == .mitigated, !answeredThemselves(person), person != commander else { return false }
        let ackable = policy.askingLadders
        return pages.contains { page in
            page.person == person && ackable.contains(page.level.ladder) && asksForAnswer(page)
        }
    }

    /// Whether `person` acknowledged by an answer of their own: not by being named IC by
    /// someone else, which stops the ladders but answers none of their pages (a page of theirs
    /// still waiting, or held for working hours, goes; a bare `ACK` they text may be for it).
    /// An incident stored before answers were kept apart counts every acknowledgement.
    public func answeredThemselves(_ person: PersonID) -> Bool {
        guard let answers = acknowledgedAfterEffect else { return acknowledgedBy?.contains(person) == true }
        return answers[person] != nil
    }

    /// Whether `page` asks its person for an answer: it went out or is on its way (not
    /// withdrawn unsent), and no rotation handed its level on to someone else before it
    /// reached them (`handedOnUnreached`).
    public func asksForAnswer(_ page: PageRecord) -> Bool {
        page.withdrawn != true && handedOnUnreached(page) == nil
    }

    /// Who the level of `page` moved to, when a rotation's handover (or a roster edit) moved
    /// it on before the page reached its person: it still waited in the outbox, retrying, and
    /// is withdrawn when delivery next takes it up (`withdrawal(of:)`). Until then it reached
    /// nobody, and its person cannot answer for the level: the off-duty on-call, whose texts
    /// had failed, stopped the incoming one's ladder in their own name. A page the severity
    /// makes at once is not moved by a handover. nil: it was not handed on, or had landed.
    public func handedOnUnreached(_ page: PageRecord) -> PersonID? {
        guard page.landed != true, page.reason != .immediate else { return nil }
        return handedOn(page.level, from: page.person)
    }

    /// Who a rotation's handover (or a roster edit) gave `level` to, when its latest page is
    /// theirs and not `person`'s: the level's page is theirs now. nil: it was not handed on.
    func handedOn(_ level: LevelRef, from person: PersonID) -> PersonID? {
        guard let latest = pages.last(where: { $0.level == level }), latest.person != person,
              latest.reason == .rotationHandover else { return nil }
        return latest.person
    }
}
