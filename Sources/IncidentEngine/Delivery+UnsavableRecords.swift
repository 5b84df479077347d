import IncidentCore

/// A delivery's record that can never be saved (a room id the platform gave that the store
/// already binds to another incident, an incident that cannot be written back) must not hold
/// up its platform: every round would try it again, fail, and end, and every send after it
/// would wait. Two incidents' rooms given one name did that on the console: an unrelated P0's
/// page to the on-call never went.
extension Delivery {
    /// Records each of `sent` on its own, after their record together failed: those that can
    /// be are; one that keeps failing while the store takes other writes is set aside
    /// (`setAsideIfUnsavable`); the rest wait, kept as sent (`sentUnrecorded`), for their next
    /// turn, which records them without sending them again.
    func recordApart(_ sent: [Sent], failedTogether: any Error) async -> [Attempt] {
        // A store that fails every write (an outage, a failover) fails no record of its own: one
        // empty transaction says so before each item is tried alone, each a time limit long.
        guard (try? await store.write { _ in }) != nil else {
            memory.recordFailures.withLock { counts in for done in sent { counts[done.id] = nil } }
            memory.sentUnrecorded.withLock { unrecorded in for done in sent { unrecorded[done.id] = done } }
            return Array(repeating: .storeError, count: sent.count)
        }
        let router = router
        let directory = directory
        var recorded: [Sent] = []
        var attempts: [Attempt] = []
        var copiesQueued = false
        for done in sent {
            do {
                // Alone (one alone just failed so).
                guard sent.count > 1 else { throw failedTogether }
                copiesQueued = try await store.write { records in
                    try records.markDelivered(done.id, at: done.at)
                    return try Self.writeRecord(of: done, into: records, router: router, directory: directory)
                } || copiesQueued
                recorded.append(done)
                attempts.append(.delivered)
            } catch {
                if await setAsideIfUnsavable(done, error: error) {
                    attempts.append(.delivered)
                } else {
                    memory.sentUnrecorded.withLock { $0[done.id] = done }
                    attempts.append(.storeError)
                }
            }
        }
        await self.recorded(recorded, copiesQueued: copiesQueued)
        return attempts
    }

    /// How many turns in a row an item's record may fail, in turns where the store takes other
    /// writes, before it is set aside.
    public static var recordFailuresBeforeSettingAside: Int { 3 }

    /// Counts a failure of `done`'s record; at `recordFailuresBeforeSettingAside`, marks it
    /// delivered alone, without what it means for its incident, and says so in the log. True
    /// when it was set aside; false when it waits for its next turn (the store failing that
    /// too: an outage, not this record).
    func setAsideIfUnsavable(_ done: Sent, error: any Error) async -> Bool {
        let failures = memory.recordFailures.withLock { counts in
            counts[done.id, default: 0] += 1
            return counts[done.id, default: 0]
        }
        guard failures >= Self.recordFailuresBeforeSettingAside else { return false }
        do {
            try await store.write { try $0.markDelivered(done.id, at: done.at) }
        } catch {
            return false
        }
        forget([done.id])
        logger.critical("delivered, but what it means for its incident cannot be recorded; set aside so the platform's other messages go on",
                        metadata: ["outbox.key": "\(done.item.key)", "method": "\(done.item.method)", "error": "\(error)",
                                   "failures": "\(failures)"])
        BotMetrics.attempt(done.item.method, page: done.item.isPage, result: .delivered)
        return true
    }
}
