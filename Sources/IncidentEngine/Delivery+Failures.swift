import IncidentCore
import IncidentRules
import Logging

/// What delivery does when an item does not go: a page withdrawn because nobody should get it
/// any more, a retry with backoff, a page failed over to the person's next method, an item
/// given up (and the room told), a row that cannot be decoded set aside.
extension Delivery {
    /// Sets aside rows that cannot be decoded: each is marked failed with its reason and
    /// logged once (it is no longer pending), and the rest of the outbox goes on.
    func quarantine(_ rows: [UndecodableOutboxRow], at now: Timestamp) async throws {
        try await store.write { records in
            for row in rows { try records.markFailed(row.id, reason: "undecodable: \(row.reason)", at: now) }
        }
        for row in rows {
            logger.error("outbox row cannot be decoded; set aside as failed", metadata: [
                "outbox.key": "\(row.key)", "outbox.id": "\(row.id)", "reason": "\(row.reason)",
            ])
        }
    }

    /// A page still retrying when someone answered after it was made, or its incident was
    /// resolved, is not sent late (`Incident.withdrawal(of:)`). Marked failed as withdrawn,
    /// with a timeline entry, in one transaction.
    func withdraw(_ page: Page, _ item: OutboxItem, id: Int64, now: Timestamp, log: Logger) async throws -> Bool {
        guard let number = item.incident else { return false }
        let router = router
        let roster = directory.roster
        // Read first: nearly every page still should go, and that costs no write transaction.
        // Its round's read (`checkPages`) answers while nothing has been committed since.
        if pageWasReadToGo(id) { return false }
        guard try await store.read({ try $0.readableIncident(number)?.incident.withdrawal(of: page) }) != nil else { return false }
        let mayHaveGoneOut = mayHaveGoneOutUnrecorded(id)
        let reason = try await store.write { records -> String? in
            guard let stored = try records.readableIncident(number), let reason = stored.incident.withdrawal(of: page) else { return nil }
            try records.markFailed(id, reason: OutboxItem.withdrawn(reason), at: now)
            let decision = stored.incident.pageWithdrawn(page, reason: reason, at: now, roster: roster, mayHaveGoneOut: mayHaveGoneOut,
                                                         madeAt: item.createdAt)
            try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
            return reason
        }
        if let reason {
            forget([id])
            log.info("page withdrawn before it went out", metadata: ["reason": "\(reason)"])
        }
        return reason != nil
    }

    /// A nudge for a status update that waited in the outbox (the platform down, a backlog)
    /// past the point where it means anything: the incident is resolved (resolved incidents
    /// are never nudged), or an update came after it was queued. Marked withdrawn instead of
    /// nagging an IC who just posted.
    func withdrawMootPost(_ item: OutboxItem, id: Int64, now: Timestamp, log: Logger) async throws -> Bool {
        // A nudge its room refused goes to its people as a direct message: withdrawn the same way.
        let nudge: Message? = switch item.job {
        case .effect(.post(let message, _)), .effect(.directMessage(let message, _)): message
        default: nil
        }
        guard let message = nudge, message.kind == .nudge, let number = item.incident,
              let incident = try await store.read({ try $0.readableIncident(number)?.incident }) else { return false }
        let reason: String
        if incident.phase != .investigating, incident.phase != .mitigated {
            reason = "\(incident.id) is \(incident.phase.rawValue)"
        } else if incident.lastUpdateAt >= item.createdAt {
            // Times are whole seconds: an update in the nudge's own second came after it, for
            // no nudge is queued in the second of the update that answers it.
            reason = "an update came after it"
        } else {
            return false
        }
        try await store.write { try $0.markFailed(id, reason: OutboxItem.withdrawn(reason), at: now) }
        forget([id])
        log.info("nudge withdrawn before it went out", metadata: ["reason": "\(reason)"])
        return true
    }

    /// Pages queued on a method this process does not serve: turned off in the config since
    /// they were queued, or queued by a replica configured otherwise. Each goes to the person's
    /// next method that is served, or is given up and the room told, instead of waiting
    /// unseen for a transport that is not coming. Other items on such a method wait for a
    /// process that serves it (`incident-bot outbox` lists them). False when the store failed.
    func moveStranded(_ pages: [OutboxItem], now: Timestamp, into report: inout Report) async -> Bool {
        for item in pages {
            guard let id = item.id else { continue }
            var log = logger
            log[metadataKey: "outbox.key"] = "\(item.key)"
            log[metadataKey: "method"] = "\(item.method)"
            do {
                if case .effect(.page(let page)) = item.job, try await withdraw(page, item, id: id, now: now, log: log) {
                    report.failed += 1
                    continue
                }
                let reason = "\(item.method) is not enabled in this process"
                switch try await giveUp(item, id: id, attempts: nil, reason: reason, refused: true, now: now, log: log) {
                case .failedOver: report.failedOver += 1
                default: report.failed += 1
                }
            } catch {
                log.error("cannot move a page off a method this process does not serve", metadata: ["error": "\(error)"])
                report.nextAttempt = now + .seconds(5)
                return false
            }
        }
        return true
    }

    /// Records a failed attempt, which took `took`: retry later, fail a page over, or give up.
    func settle(_ item: OutboxItem, id: Int64, error: TransportError, now: Timestamp, took: Duration = .zero, log: Logger) async -> Attempt {
        let attempts = item.attempts + 1
        // A page does not wait for an operator: a method refusing the bot's setup is, for it,
        // a method that is down.
        var error = error
        if item.isPage, case .misconfigured(let reason) = error { error = .unavailable(reason) }
        do {
            switch error {
            case .misconfigured(let reason):
                // Waits for the operator, however long, at the backoff's slowest pace: dropped
                // after `giveUpAfter` attempts, a revoked token at night would have failed every
                // room and update by morning. Not counted as an attempt: once the token is
                // fixed, an item must still have all its attempts for an ordinary outage. A
                // replaced token takes a restart, and the restarted delivery tries it at once
                // (`OutboxItem.setupWaitMark`).
                let wait = retry.ceiling
                let notBefore = clock.instant(after: wait)
                try await store.write { try $0.reschedule(id, attempts: item.attempts, notBefore: notBefore, reason: OutboxItem.waitingForSetup(reason)) }
                log.warning("delivery waits for the bot's setup to be fixed; will retry", metadata: [
                    "retry.in": "\(DurationText.format(wait))", "reason": "\(reason)",
                ])
                return .retried
            case .unavailable(let reason, let hint?) where !item.isPage && item.method.platform != nil:
                // A chat platform's rate limit (its only hint) is no outage and no attempt: the
                // message waits the hint, or the backoff's first step if longer, as often as
                // it is asked to. Counted, the backoff grew through a long limit, and a P0's
                // kickoff went out more than a minute after Slack took posts again.
                let wait = max(retry.delay(afterAttempts: 1, jitter: jitter()), min(hint, retry.ceiling))
                let notBefore = clock.instant(after: wait)
                try await store.write { try $0.reschedule(id, attempts: item.attempts, notBefore: notBefore, reason: reason) }
                log.warning("delivery is rate limited; will retry", metadata: ["retry.in": "\(DurationText.format(wait))", "reason": "\(reason)"])
                return .retried
            case .unavailable(let reason, let hint):
                // A rate limit is no outage: what waits out its `Retry-After` is not brought
                // forward by the next request the provider takes.
                if item.method.platform == nil, hint == nil { memory.providerOutages.withLock { _ = $0.failing.insert(item.method) } }
                // A page counts its attempts on every method: each method gets its
                // `pageAttemptsBeforeFailover`, with the backoff starting over, and the page goes
                // round the person's methods until `giveUpAfter` attempts in all. An attempt
                // that hung fails over at once; one that got no answer at all
                // (`unansweredAttempt`) counts as the rest of its method's share even with
                // nowhere to fail over to: a relay that took each mail and answered too late,
                // to someone with no other method, got the same page thirty times over
                // eighteen minutes.
                let share = retry.pageAttemptsBeforeFailover
                let hung = markedHung(item, took: took, rateLimited: hint != nil)
                let unanswered = hung && took >= (transports[item.method]?.timeLimit ?? Self.unansweredAttempt)
                let attempts = item.isPage && unanswered ? retry.attemptsLeavingAMethod(attempts) : attempts
                guard attempts < retry.giveUpAfter else {
                    return try await giveUp(item, id: id, attempts: attempts, reason: "gave up after \(attempts) attempts: \(reason)", refused: false,
                                           now: now, log: log)
                }
                let onThisMethod = item.isPage ? (attempts - 1) % share + 1 : attempts
                if item.isPage, onThisMethod == share || hung,
                   let failover = failoverMethod(item, id: id, onlyForward: false) {
                    return try await reroute(item, id: id, to: failover, attempts: retry.attemptsLeavingAMethod(attempts), reason: reason,
                                             now: now, log: log)
                }
                let failsOver = hint != nil && item.isPage && failoverMethod(item, id: id, onlyForward: false) != nil
                let wait = Self.wait(hint: hint, backoff: retry.delay(afterAttempts: onThisMethod, jitter: jitter()),
                                     page: item.isPage ? (failsOver ? .failsOver : .nowhereElse) : nil, ceiling: retry.ceiling)
                let notBefore = clock.instant(after: wait)
                try await store.write { try $0.reschedule(id, attempts: attempts, notBefore: notBefore, reason: reason) }
                log.warning("delivery failed; will retry", metadata: [
                    "attempts": "\(attempts)", "retry.in": "\(DurationText.format(wait))", "reason": "\(reason)",
                ])
                return .retried
            case .rejected(let reason):
                return try await giveUp(item, id: id, attempts: attempts, reason: reason, refused: true, now: now, log: log)
            case .notYet(let reason, let after):
                let notBefore = clock.instant(after: max(after, .seconds(1)))
                try await store.write { try $0.reschedule(id, attempts: item.attempts, notBefore: notBefore, reason: reason) }
                log.debug("delivery waits", metadata: ["reason": "\(reason)"])
                return .waiting
            }
        } catch {
            log.error("cannot record a failed delivery", metadata: ["error": "\(error)"])
            return .storeError
        }
    }

    /// Where a failed page can go next, for how long it heeds a retry hint.
    enum PageRoute { case failsOver, nowhereElse }

    /// How long a failed attempt waits: the platform's `Retry-After` hint when it sends one,
    /// else the backoff. For a provider's other messages (a PagerDuty settlement) a hint is a
    /// floor under the backoff, never in its place, and held to `retry_ceiling` (a maintenance
    /// page's `Retry-After: 86400` would park one for a day); a chat platform's rate limit is
    /// no attempt at all (`settle`). A page with another method to go
    /// to keeps to the backoff, shorter hint or longer: it uses up its attempts on that method
    /// and fails over, in seconds. A page with nowhere else to go heeds a hint up to
    /// `pageHintCap` and never less than its backoff, so it is given up, and the room told,
    /// within minutes: waiting out a pager's `503 Retry-After: 300` held a page to someone
    /// reachable no other way for five minutes a try, the room told after two and a half
    /// hours, and their pages for other incidents waited behind it.
    static func wait(hint: Duration?, backoff: Duration, page: PageRoute?, ceiling: Duration) -> Duration {
        guard let hint else { return backoff }
        switch page {
        case nil: return max(backoff, min(hint, ceiling))
        case .failsOver: return max(.seconds(1), min(hint, backoff))
        case .nowhereElse: return max(backoff, min(hint, pageHintCap))
        }
    }

    /// The longest retry hint a page with nowhere else to go waits out.
    static var pageHintCap: Duration { .seconds(30) }

    /// The longest any failed attempt is put off (`settle`), and a second for rounding to the
    /// outbox's whole seconds: an item put off further was stamped by a clock that read ahead
    /// (`OutboxItem.waitingAtMost`).
    var longestWait: Duration { max(retry.ceiling, Self.pageHintCap, Self.landingWindow) + .seconds(1) }

    /// Fails `item` over to the person's next platform if it is a page that has one, else gives
    /// it up: marked failed, and not left to the log. The timeline records it and the incident
    /// room is told, in the same transaction: for a page every time (someone must reach that
    /// person another way), for other messages once per incident. `refused`: the method
    /// refused the item for good (any method that has not refused it may still take a page);
    /// else its attempts ran out (only the methods after it in the person's order are left).
    /// `attempts`: the count with the attempt just made, or nil when none was (see `markFailed`).
    func giveUp(_ item: OutboxItem, id: Int64, attempts: Int?, reason: String, refused: Bool, now: Timestamp,
                log: Logger) async throws -> Attempt {
        if refused, item.isPage { memory.refusedMethods.withLock { _ = $0[id, default: []].insert(item.method) } }
        if let failover = failoverMethod(item, id: id, onlyForward: !refused) {
            return try await reroute(item, id: id, to: failover, attempts: retry.attemptsLeavingAMethod(item.attempts + 1), reason: reason,
                                     now: now, log: log)
        }
        let router = router
        let roster = directory.roster
        let told = try await store.write { records -> Bool in
            try records.markFailed(id, attempts: attempts, reason: reason, at: now)
            guard let number = item.incident, let stored = try records.readableIncident(number) else { return false }
            let decision: Decision
            if case .effect(.page(let page)) = item.job {
                decision = stored.incident.pageUndelivered(page, reason: reason, at: now, roster: roster)
            } else {
                let alreadyTold = try records.timeline(incident: number).contains { $0.kind == .undelivered }
                // Its home room's copy only: a mirror's room refusing it is no reason to
                // message people the home room reached, and two copies refused send one.
                var refusedByRoom: Message?
                if refused, item.method == ContactMethod(stored.home), case .effect(.post(let message, .incidentRoom)) = item.job {
                    refusedByRoom = message
                }
                var roomNotMade = false
                if item.method == ContactMethod(stored.home), case .effect(.createRoom) = item.job { roomNotMade = true }
                decision = stored.incident.messageUndelivered(key: item.key, reason: reason, alreadyTold: alreadyTold,
                                                              refusedByRoom: refusedByRoom, roomNotMade: roomNotMade, at: now,
                                                              roster: roster)
            }
            try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
            return !decision.effects.isEmpty
        }
        forget([id])
        log.error(item.isPage ? "page given up; the incident room is told" : "delivery given up; a dead letter",
                  metadata: ["reason": "\(reason)"])
        if told { wake.fire() }
        return .failed
    }

    /// Moves a page to the person's next method, and puts the failed attempt on the timeline.
    func reroute(_ item: OutboxItem, id: Int64, to method: ContactMethod, attempts: Int, reason: String, now: Timestamp,
                 log: Logger) async throws -> Attempt {
        guard case .effect(.page(let page)) = item.job else { return .failed }
        let lane = OutboxItem.directLane(method, page.person)
        let router = router
        let roster = directory.roster
        try await store.write { records in
            try records.reroute(id, to: method, lane: lane, attempts: attempts, at: now, reason: "\(item.method): \(reason)")
            if let number = item.incident, let stored = try records.readableIncident(number) {
                let decision = stored.incident.pageFailedOver(page, from: item.method, to: method, reason: reason, at: now,
                                                               roster: roster)
                try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
            }
        }
        log.warning("page failed over", metadata: ["to": "\(method)", "reason": "\(reason)"])
        // The page is the next method's now, and its loop may be asleep (`run`).
        wake.fire()
        return .failedOver
    }

    /// The page of `lane` held behind a settlement on a provider that keeps failing
    /// (`OutboxItem.pageHeldBySettlement`), with the method it fails over to; nil when there
    /// is none, or nowhere for it to go (then it waits for the settlement, as before: a pass
    /// that found only it would go round again at once).
    func heldPageToFailOver(in lane: some Collection<OutboxItem>, at now: Timestamp) -> (OutboxItem, ContactMethod)? {
        guard let held = OutboxItem.pageHeldBySettlement(in: lane, at: now, failures: retry.pageAttemptsBeforeFailover), let id = held.id,
              let failover = failoverMethod(held, id: id, onlyForward: false) else { return nil }
        return (held, failover)
    }

    /// The person's next method for a page, when this process serves it, they have an address
    /// there and it has not refused this page: the next in the person's order, and from the
    /// last back to the first, so every method gets its turn while all are down, and a method
    /// that was only down earlier is tried again when a later one refuses. `onlyForward`: the
    /// methods after this one only (its attempts ran out, and the ones before it had theirs).
    /// Which methods refused is kept in memory: after a restart a method that refused may be
    /// tried once more, and refuse again.
    func failoverMethod(_ item: OutboxItem, id: Int64, onlyForward: Bool) -> ContactMethod? {
        guard case .effect(.page(let page)) = item.job, item.method != .console else { return nil }
        let refused = memory.refusedMethods.withLock { $0[id] ?? [] }
        let routes = directory.methods(for: page)
            .filter { transports[$0] != nil && directory.address(for: page.paged, on: $0) != nil }
        let after = routes.firstIndex(of: item.method).map { $0 + 1 } ?? 0
        let order = routes[after...] + (onlyForward ? [] : routes[..<after])
        return order.first { $0 != item.method && !refused.contains($0) }
    }
}
