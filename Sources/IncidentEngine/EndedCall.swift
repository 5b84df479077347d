import IncidentCore
import IncidentPolicy
import IncidentRules
import Logging

/// A page's phone call that has ended, or its text that the carrier could not deliver, as the
/// provider reports it (Twilio's status callback, already vouched for by its signature and the
/// page's own token): whether it reached the person, and if not, what follows.
public struct EndedCall: Hashable, Sendable {
    /// How a call ended (`CallStatus`), or a text's end (`MessageStatus`), in Twilio's words.
    public enum Status: String, Hashable, Sendable, CaseIterable {
        /// Answered, by the person or by their voicemail, and hung up.
        case completed
        case busy
        case noAnswer = "no-answer"
        case failed
        case canceled
        /// A text the carrier did not deliver (a landline, a filtered or unreachable number).
        case undelivered

        /// Why the call or the text did not do its job, as the timeline says it.
        func reason(on method: ContactMethod) -> String {
            switch self {
            case .completed: "the call ended without an acknowledgement"
            case .busy: "the line was busy"
            case .noAnswer: "nobody answered the call"
            case .failed: method == .sms ? "the text could not be sent" : "the call could not be placed"
            case .canceled: "the call was canceled"
            case .undelivered: "the carrier did not deliver the text"
            }
        }
    }

    /// The outbox key of the page the call or text carried.
    public var page: String
    public var person: PersonID
    public var incident: Int
    public var status: Status
    /// The method that carried the page: `voice` for a call, `sms` for a text.
    public var method: ContactMethod
    /// When the page's incident was declared, as its token says: a database restored from a
    /// backup numbers its next incident, and its outbox keys, as the lost one did, and the lost
    /// page's report must not send the new incident's page on.
    public var declaredAt: Timestamp?

    public init(page: String, person: PersonID, incident: Int, status: Status, method: ContactMethod = .voice) {
        self.page = page
        self.person = person
        self.incident = incident
        self.status = status
        self.method = method
    }

    /// What became of it.
    public enum FollowUp: Hashable, Sendable {
        /// The page goes to the person's next method.
        case paged(ContactMethod)
        /// No other method reaches them: the timeline records it and the room is told.
        case unreachable
        /// Nothing to do: the page was answered, withdrawn, or is not waited on (`reason`).
        case moot(String)
        /// Followed up already (Twilio sends a callback again when its first went unanswered).
        case duplicate
        /// No page of this person's went by phone or text under that key (in this incident).
        case unknown
    }

    /// The outbox key of the follow-up of the page carried under `page`, queued on `method`
    /// (`INC-4/7@voice/after-call:sms`): the method it was sent down the list to stays in its
    /// key whatever delivery's failover does with it after (`queuedMethod(of:)`). A
    /// follow-up's own call or text may be followed up in turn (`next(after:routes:)`).
    static func followUpKey(of page: String, to method: ContactMethod) -> String {
        page + followUpMark + ":" + method.rawValue
    }

    /// Every key a follow-up of `page` may have (one for each method, and the form without a
    /// method that versions before 0.14.0's release wrote): a callback Twilio sends again finds
    /// the one made, even if the person's list changed in between.
    static func followUpKeys(of page: String) -> [String] {
        [page + followUpMark] + ContactMethod.allCases.map { followUpKey(of: page, to: $0) }
    }

    /// How many follow-ups led to the page carried under `key`: 0 for the page as the ladder
    /// made it.
    static func followUps(in key: String) -> Int {
        key.components(separatedBy: followUpMark).count - 1
    }

    /// The method the follow-up under `key` was queued on; nil for a page as the ladder made
    /// it, or a follow-up keyed without one.
    static func queuedMethod(of key: String) -> ContactMethod? {
        guard let mark = key.range(of: followUpMark + ":", options: .backwards) else { return nil }
        return ContactMethod(rawValue: String(key[mark.upperBound...]))
    }

    static let followUpMark = "/after-call"
}

extension EndedCall {
    /// The method a page goes on to when this call or text did not reach the person: the one
    /// after it in the person's list, never back up it, so a call and a text cannot take turns
    /// for as long as nobody answers (a text that was not delivered after a call that rang out
    /// goes on to chat, not to the phone again). A page the ladder made on a method the
    /// list no longer has goes to the list's first other method. A follow-up that delivery's
    /// own failover moved back up the list (its text's provider down, so it rang the phone
    /// again) ends there instead of taking turns, and a page makes at most one follow-up fewer
    /// than the person has methods.
    static func next(after call: EndedCall, routes: [ContactMethod]) -> ContactMethod? {
        let followUps = followUps(in: call.page)
        guard followUps < routes.count - 1 else { return nil }
        guard let index = routes.firstIndex(of: call.method) else {
            return followUps == 0 ? routes.first { $0 != call.method } : nil
        }
        if let queued = queuedMethod(of: call.page).flatMap(routes.firstIndex(of:)), index < queued { return nil }
        return routes[(index + 1)...].first
    }
}

extension Engine {
    /// A page's call ended without the person acknowledging, or its text was not delivered
    /// (`method`): the page goes on to their next method after that one (after the phone a
    /// text, then chat, as their list orders them), once for each call or text, in one
    /// transaction with its timeline entry, or the room is told that nothing else reaches them.
    /// A call that rang out, was busy or failed counts for every page. One that was answered
    /// (`completed`: by the person or by a voicemail box; the provider cannot tell which
    /// without answering-machine detection) counts only for a page that waits for the
    /// person's acknowledgement: not one the severity makes at once (it tells someone an
    /// incident this bad exists, and a call they heard did that), not one on a ladder an
    /// acknowledgement does not stop (business: they could not answer it), and not once they
    /// acknowledged the incident (a missed update's page reaching them again: a second
    /// acknowledgement is refused, so a follow-up asking for one would only nag). Answered
    /// pages (a keypress, an ack anywhere), stopped ladders and resolved incidents are left alone.
    /// Throws only when the store fails; then nothing was committed.
    public func followUp(_ call: EndedCall) async throws -> EndedCall.FollowUp {
        let now = clock.now
        let roster = settings.roster
        let router = router
        let result = try await store.write { records -> EndedCall.FollowUp in
            guard let item = try records.outboxItem(key: call.page), item.method == call.method, item.incident == call.incident,
                  case .effect(.page(let page)) = item.job, page.person == call.person else { return .unknown }
            for key in EndedCall.followUpKeys(of: call.page) where try records.outboxItem(key: key) != nil { return .duplicate }
            guard let stored = try records.readableIncident(call.incident) else { return .unknown }
            if let declaredAt = call.declaredAt, declaredAt != stored.incident.declaredAt { return .unknown }
            if let reason = stored.incident.withdrawal(of: page) { return .moot(reason) }
            // Dropped by an operator as it was sent (`outbox drop`: called by hand, say): not to
            // be tried again on any method.
            let level = LevelRef(ladder: page.ladder, level: page.level)
            if stored.incident.pages.last(where: { $0.person == page.person && $0.level == level })?.withdrawn == true {
                return .moot("the page was withdrawn")
            }
            if call.status == .completed, call.method == .voice {
                // Answered: enough for a page that asks for no acknowledgement, or one the person
                // cannot give (a ladder an ack does not stop, or an incident they acknowledged
                // already: another acknowledgement is refused).
                if page.atOnce == true { return .moot("an answered call carries a page made at once") }
                let ladders = [page.ladder] + (page.alsoFor ?? [])
                let ackable = stored.incident.policy.ladders.filter { ladders.contains($0.id) && $0.asksForAnswers }
                if ackable.isEmpty { return .moot("an answered call carries a page an acknowledgement does not stop") }
                // Someone who acknowledged before (a missed update's step reached them again) has
                // nothing left to press: a follow-up would ask for an ACK that is refused.
                if stored.incident.acknowledgedBy?.contains(page.person) == true {
                    return .moot("\(page.person.handle) acknowledged before")
                }
            }
            let next = EndedCall.next(after: call, routes: router.directory.methods(for: page))
            let decision: Decision
            if let next {
                try records.enqueue([OutboxItem(key: EndedCall.followUpKey(of: call.page, to: next), incident: call.incident, method: next,
                                                lane: OutboxItem.directLane(next, page.person), job: item.job, at: now)])
                decision = stored.incident.pageFailedOver(page, from: call.method, to: next, reason: call.status.reason(on: call.method), at: now, roster: roster)
            } else if call.status == .completed, call.method == .voice {
                // Answered, perhaps by the person: the page stands, and the ladder keeps its times.
                return .moot("no other method reaches \(page.person.handle)")
            } else {
                decision = stored.incident.pageUndelivered(page, reason: call.status.reason(on: call.method), at: now, roster: roster)
            }
            try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
            return next.map(EndedCall.FollowUp.paged) ?? .unreachable
        }
        var log = logger
        log[metadataKey: "incident.id"] = "INC-\(call.incident)"
        log[metadataKey: "outbox.key"] = "\(call.page)"
        switch result {
        case .paged(let method):
            log.info("a page's \(call.method == .sms ? "text was not delivered" : "call ended unanswered"); the page goes on", metadata: ["status": "\(call.status.rawValue)", "to": "\(method)"])
            deliveryWake.fire()
        case .unreachable:
            log.warning("a page's \(call.method == .sms ? "text was not delivered" : "call ended unanswered") and nothing else reaches the person", metadata: ["status": "\(call.status.rawValue)"])
            deliveryWake.fire()
        case .moot, .duplicate, .unknown:
            log.debug("a page's call or text ended; nothing follows", metadata: ["status": "\(call.status.rawValue)", "result": "\(result)"])
        }
        return result
    }
}
