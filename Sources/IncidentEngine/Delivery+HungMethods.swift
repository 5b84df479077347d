import IncidentCore
import Logging

/// Methods that hang: a page's attempt that failed after `hungAttempt` (a provider that never
/// answers, a relay silent after DATA, a homeserver or Slack that takes connections and says
/// nothing) fails the page over at once, instead of after `pageAttemptsBeforeFailover` of them
/// (four took a minute, and a relay that took each mail but answered late got four copies),
/// and for `hungMethodPassedOver` the other pages on that method go to their person's next
/// method untried (each page queued behind a hung method was one time limit later than the
/// one before, whoever it was for: a third incident's page waited eight minutes behind a hung
/// homeserver, behind its room creations and posts, each one time limit long).
extension Delivery {
    static var hungAttempt: Duration { .seconds(5) }
    /// How long after a hung attempt other pages pass its method over (`DeliveryMemory.hungMethods`);
    /// the first page after it tries the method again.
    static var hungMethodPassedOver: Duration { .seconds(30) }
    /// How long an attempt on a method with no time limit of its own (`OutboxTransport.timeLimit`)
    /// takes to count as unanswered: a provider's limit is 10 s, mail's 30 s. A page with no
    /// other method to go to counts an unanswered attempt as four (`Delivery.settle`); one that
    /// hung only a while and then answered (a relay slow to greet that then greylists, `450`)
    /// counts as one, or the page was given up before the relay would take it.
    static var unansweredAttempt: Duration { .seconds(10) }

    /// Whether a failed attempt on `method` that took long hung. A provider's attempt is one
    /// call, whose time is that call's. A chat platform's page is several calls (a direct room
    /// looked up or made, a post) with short rate limits waited out between them: one that
    /// failed on a rate limit (`rateLimited`: its answer gave a hint) was slow for that, and
    /// waits as its hint says (`wait(hint:...)`); one that failed otherwise after so long is a
    /// platform not answering.
    static func mayHang(_ method: ContactMethod, rateLimited: Bool) -> Bool { method.platform == nil || !rateLimited }

    /// Whether `item`'s failed attempt, which took `took`, hung; if it did, its method is
    /// passed over for `hungMethodPassedOver` (on the clock's elapsed time, which a wall-clock
    /// step does not move). A page's, or anything's on a chat platform: a room's creation or a
    /// post that hung says the platform hangs as a page's does, and pages queued behind a hung
    /// homeserver's creations waited a time limit for each of them before their own hung. A
    /// provider's settlement (PagerDuty told pages are over) that hung says the same of its
    /// pages, which waited out a time limit each behind it; one slow on a rate limit says
    /// nothing of them.
    func markedHung(_ item: OutboxItem, took: Duration, rateLimited: Bool) -> Bool {
        guard item.isPage || item.method.platform != nil || (item.isSettlement && !rateLimited),
              Self.mayHang(item.method, rateLimited: rateLimited), took >= Self.hungAttempt else { return false }
        let until = clock.elapsed + Self.hungMethodPassedOver
        memory.hungMethods.withLock { $0[item.method] = until }
        return true
    }

    /// A page on a method that hung a moment ago goes to the person's next method untried, and
    /// charged no attempt (the count is only rounded up to this method's share, as when leaving
    /// it); nil when it is to be tried. Not to a method that hung too: with every method hanging
    /// (the bot's own network down) the page would go round them untried.
    func passOverIfHung(_ item: OutboxItem, id: Int64, now: Timestamp, log: Logger) async throws -> Attempt? {
        guard item.isPage, memory.isHung(item.method, at: clock.elapsed),
              let failover = failoverMethod(item, id: id, onlyForward: false), !memory.isHung(failover, at: clock.elapsed)
        else { return nil }
        return try await reroute(item, id: id, to: failover, attempts: retry.attemptsLeavingAMethod(item.attempts),
                                 reason: "not tried: it did not answer within its time limit just before", now: now, log: log)
    }

    /// A page delivered on `method`: it is no longer passed over.
    func answeredAgain(_ method: ContactMethod, log: Logger) {
        if memory.hungMethods.withLock({ $0.removeValue(forKey: method) }) != nil { log.info("the method answers pages again") }
    }
}
