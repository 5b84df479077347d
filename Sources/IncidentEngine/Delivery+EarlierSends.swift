import IncidentCore
import Logging

/// What an earlier delivery, stopped or killed in the middle of a send, may still have in a
/// platform's hands as this one starts: the items it can have sent, and how long a send of
/// its may take to land (`TransportJob.earlierSendMayLandWithin`); and what this one tells
/// the next of its own sends (`markSendable`).
extension Delivery {
    /// How long a send made by an earlier delivery may still land on its platform: the chat
    /// clients' own time limit for a call (`SlackWebAPI.timeout`, 10 s), past which the earlier
    /// process would have given it up. A platform looked at for the send's key sooner may not
    /// show it yet: Slack, taking 1.5 s to post as a restarted bot looked 0.5 s after the kill,
    /// showed the note twice.
    public static var landingWindow: Duration { .seconds(10) }

    /// Reads the newest outbox id before anything this run queues (`queuedBeforeStart`), and
    /// logs a read the database failed: `run` calls it first. A term that knows the newest item
    /// its earlier leaders could send takes that instead: what a standby's commands queued
    /// while no replica led (a page that fell due) goes without waiting for sends of theirs to
    /// land. Made already (`readWhatWasQueuedBefore`), the read is kept.
    func noteWhatWasQueuedBeforeStart() async {
        await warnIfFails("cannot read the outbox as delivery starts; every item queued before counts as one an earlier delivery may have sent") {
            try await readWhatWasQueuedBefore()
        }
    }

    /// Runs one of delivery's start-up steps, logging `message` as a warning with the error
    /// when the database fails it. Cut off by the process stopping is no failure of the
    /// database's: only a real one is logged, the line operators alert on.
    func warnIfFails(_ message: Logger.Message, _ step: () async throws -> Void) async {
        do {
            try await step()
        } catch where !(error is CancellationError) && !Task.isCancelled {
            logger.warning(message, metadata: ["error": "\(error)"])
        } catch {}
    }

    /// The read of `noteWhatWasQueuedBeforeStart`, once: a process alone on its database
    /// makes it before its HTTP listener opens (`BotRuntime.leadingAlone`), so a command it
    /// answers first is none the process before may have sent. Throws when the database does
    /// not answer; `run` then tries again.
    public func readWhatWasQueuedBefore() async throws {
        guard queuedBeforeStart.withLock({ $0 }) == nil else { return }
        let newest = if let known = LeaderTerm.current?.newestItemEarlierLeadersCouldSend { known } else {
            try await store.read { try $0.latestOutboxID() }
        }
        queuedBeforeStart.withLock { $0 = $0 ?? newest }
    }

    /// Whether `item` was queued before this delivery started, so an earlier one may have sent
    /// it: by its id, once the newest was read (`readWhatWasQueuedBefore`); else by its second
    /// (the console, tests).
    func queuedBeforeStart(_ item: OutboxItem) -> Bool {
        queuedBeforeStart.withLock { $0 }.map { (item.id ?? 0) <= $0 } ?? (item.createdAt < startedAt)
    }

    /// Before a pass sends any of `served`: raises the term's mark to the newest of them due
    /// `now` (`LeaderTerm.markSendsThrough`), so the next leader looks for what this one may
    /// have sent up to it and sends at once what lies past it. Returns what may be sent: all
    /// of `served`; when the mark cannot be raised, those the mark covers already (the next
    /// leader looks for them as it is), a prefix of each lane; none once the term is over.
    /// A database that failed the raise for a moment held back every page, even those
    /// recorded long before.
    func markSendable(_ served: [OutboxItem], now: Timestamp) async -> [OutboxItem] {
        guard let term = LeaderTerm.current, let newest = served.filter({ $0.isDue(at: now) }).compactMap(\.id).max() else { return served }
        do {
            try await term.markSendsThrough(newest)
            return served
        } catch {
            // A term that ended is the election's to say at its next renewal (`standing down`,
            // `no longer leading`), not each loop's.
            guard !isStopping, term.holds, !(error is Deposed) else { return [] }
            if let unlogged = markFailureLog.admit(at: clock.now) {
                logger.warning("cannot record which outbox items this leader may send; sending only those its mark covers already",
                               metadata: ["term": "\(term.token)", "error": "\(error)", "failures.unlogged": "\(unlogged)"])
            }
            let through = term.markedThrough
            return served.filter { ($0.id ?? .max) <= through }
        }
    }
}
