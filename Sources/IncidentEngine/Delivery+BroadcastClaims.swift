import IncidentCore

/// Broadcast posts are claimed as they are sent (`IncidentRecords.claimForSending`), in the
/// write that reads whether their incidents turned private: a post of an incident that did is
/// withdrawn instead, and `/incident private` leaves a claimed post and says it is being sent.
/// Without the claim, a post counted withdrawn reached the channel 52 ms after the answer; and
/// a round that read a post, then waited on a slow room creation, sent the title to the whole
/// channel. A round claims the posts at the front of each broadcast lane at once, as it starts
/// (one write a post cost the console drill two fifths of its speed), and clears the claims it
/// did not reach as it ends. A post sent more than
/// `freshClaim` after its claim is claimed again first, reading its incident again; so one the
/// answer said was being sent may instead be withdrawn after all, never the reverse.
extension Delivery {
    /// How long after its claim a broadcast post is sent without claiming it again.
    static var freshClaim: Duration { .milliseconds(250) }

    /// The broadcast posts a round claims as it starts: the due ones at the front of each
    /// broadcast lane, as many as the round may send of it before recording (`unrecordedPerLane`),
    /// not one sent already and not yet recorded. Posts behind one waiting out its backoff stayed
    /// claimed through an outage, and the answer to `/incident private` said they were being sent.
    func claimableBroadcasts(_ items: [OutboxItem], now: Timestamp) -> [OutboxItem] {
        guard let method = items.first?.method else { return [] }
        let sent = memory.sentUnrecorded.withLock { Set($0.keys) }
        var lanes: [String: [OutboxItem]] = [:]
        for item in items where item.isBroadcast { lanes[item.lane, default: []].append(item) }
        return lanes.values.flatMap { lane in
            lane.prefix { $0.isDue(at: now) }.prefix(unrecordedPerLane(method)).filter { !sent.contains($0.id ?? -1) }
        }
    }

    /// Claims a round's broadcast posts (`items`) in one write; returns the ids withdrawn
    /// instead. A failed write claims nothing: each post then claims itself before its send,
    /// and fails there.
    func claimBroadcasts(_ items: [OutboxItem], now: Timestamp) async -> Set<Int64> {
        guard !items.isEmpty else { return [] }
        let claimedAt = clock.elapsed
        guard let (claimed, withdrawn) = try? await claimOrWithdraw(items, now: now) else { return [] }
        claimedBroadcasts.withLock { kept in for id in claimed { kept[id] = claimedAt } }
        return withdrawn
    }

    /// Whether the broadcast post `item` may be sent now: claimed by its round within
    /// `freshClaim`, or claimed now. False: withdrawn, not to be sent.
    func claimBroadcast(_ item: OutboxItem, id: Int64, now: Timestamp) async throws -> Bool {
        if let claimedAt = claimedBroadcasts.withLock({ $0.removeValue(forKey: id) }), clock.elapsed - claimedAt < Self.freshClaim {
            return true
        }
        return try await claimOrWithdraw([item], now: now).withdrawn.isEmpty
    }

    /// Forgets the claims of `ids` the round did not take (it ended before their turn), and
    /// clears them in the store: one left would be counted as being sent until its next round.
    func releaseBroadcastClaims(_ ids: [Int64]) async {
        guard !ids.isEmpty else { return }
        let untaken = claimedBroadcasts.withLock { kept in ids.filter { kept.removeValue(forKey: $0) != nil } }
        guard !untaken.isEmpty else { return }
        do {
            try await store.write { try $0.releaseSendingClaims(untaken) }
        } catch {
            logger.warning("cannot clear the claims of broadcast posts not sent", metadata: ["error": "\(error)"])
        }
    }

    /// In one write, each post's incident read (each once) and the post withdrawn (marked
    /// failed) when it is private, else claimed; one no longer pending (withdrawn as the
    /// incident turned private, dropped by an operator) is withdrawn too.
    private func claimOrWithdraw(_ items: [OutboxItem], now: Timestamp) async throws -> (claimed: [Int64], withdrawn: Set<Int64>) {
        let posts = items.compactMap { item in item.id.map { (id: $0, key: item.key, incident: item.incident) } }
        let (claimed, withdrawn) = try await store.write { records -> ([Int64], [(id: Int64, key: String, reason: String)]) in
            var withdrawn: [(id: Int64, key: String, reason: String)] = []
            var incidents: [Int: Bool] = [:]
            var stillPublic: [(id: Int64, key: String)] = []
            for post in posts {
                let isPrivate = try post.incident.map { number in
                    if let known = incidents[number] { return known }
                    let read = try records.readableIncident(number)?.incident.isPrivate ?? false
                    incidents[number] = read
                    return read
                } ?? false
                if isPrivate, let number = post.incident {
                    let reason = "INC-\(number) is private now"
                    try records.markFailed(post.id, reason: OutboxItem.withdrawn(reason), at: now)
                    withdrawn.append((post.id, post.key, reason))
                } else {
                    stillPublic.append((post.id, post.key))
                }
            }
            let claimed = try records.claimForSending(stillPublic.map(\.id), at: now)
            withdrawn += stillPublic.filter { !claimed.contains($0.id) }.map { ($0.id, $0.key, "it is pending no more") }
            return (stillPublic.map(\.id).filter(claimed.contains), withdrawn)
        }
        if !withdrawn.isEmpty { forget(withdrawn.map(\.id)) }
        for post in withdrawn {
            logger.info("broadcast withdrawn before it went out", metadata: ["outbox.key": "\(post.key)", "reason": "\(post.reason)"])
        }
        return (claimed, Set(withdrawn.map(\.id)))
    }
}
