import IncidentCore

/// Rounds of sends on one platform, and their records: a lane sends ahead of its records as
/// far as its transport allows, and what was sent is recorded together, in one transaction
/// that also looks for anything newly queued.
extension Delivery {
    /// Whether any of `lanes` (each in its order) has an item to try now: its head, or a page
    /// that may go ahead of it (`OutboxItem.next(in:at:)`, `heldPageToFailOver`).
    func anyCanGo(_ lanes: [String: [OutboxItem]], at now: Timestamp) -> Bool {
        lanes.values.contains { OutboxItem.next(in: $0, at: now) != nil || heldPageToFailOver(in: $0, at: now) != nil }
    }

    /// One platform's items, lane by lane in order: rounds of one attempt per lane, the most
    /// urgent lane heads first (pages and room creation, then direct messages, then the rest,
    /// oldest first within each). A lane whose head must wait (backoff, failover) drops out,
    /// unless a page behind a head that is no page may go (`OutboxItem.next(in:at:)`). While the
    /// method is marked hung (`markedHung`), pages go first, those with another method to go
    /// to first of all, and every attempt that hung looks for anything newly queued.
    ///
    /// Sends are recorded together, in one transaction that also looks for anything newly
    /// queued: when a lane waits for its record (below), when the oldest unrecorded send is
    /// `recordWithin` old, or when the lanes run out. Something new ends the rounds, so a new
    /// page waits for at most one item of each busy lane or `recordWithin` of sending, whichever
    /// is longer. A lane has at most `unrecordedPerLane` items sent and not recorded (the ones
    /// a crash may send again, which the next delivery checks for: `TransportJob.doubt`), and
    /// none after a room's creation or a reply: the next item needs the room's id, and a reply
    /// (Slack's ephemeral one) leaves nothing to look for after a crash. A page on chat is
    /// found after a crash as a post is, and its landing is recorded with the others.
    func deliverInTurns(_ items: [OutboxItem], now: Timestamp, latest: Int64) async -> [Attempt] {
        // Each method's loop runs its own rounds: it takes back only what it checked.
        let checked = await checkRoomCreations(items.filter { $0.isDue(at: now) })
        defer { if !checked.isEmpty { checkedRoomCreations.withLock { kept in for id in checked { kept[id] = nil } } } }
        let broadcasts = claimableBroadcasts(items, now: now)
        let withdrawn = await claimBroadcasts(broadcasts, now: now)
        let results = await deliverLanes(items.filter { !withdrawn.contains($0.id ?? -1) }, now: now, latest: latest)
        await releaseBroadcastClaims(broadcasts.compactMap(\.id))
        return Array(repeating: .failed, count: withdrawn.count) + results
    }

    /// `deliverInTurns` after its checks and claims.
    private func deliverLanes(_ items: [OutboxItem], now: Timestamp, latest: Int64) async -> [Attempt] {
        var lanes: [String: ArraySlice<OutboxItem>] = [:]
        for item in items { lanes[item.lane, default: []].append(item) }
        var results: [Attempt] = []
        // Pages read to go, and the store's commit count when they were: read again for the
        // lanes' pages when it has moved (this delivery's records move it too).
        var pagesChecked: Set<Int64> = []
        var pagesCheckedAt: Int?
        defer { if !pagesChecked.isEmpty { forgetPageChecks(pagesChecked) } }
        var unrecorded = UnrecordedSends(perLane: items.first.map { unrecordedPerLane($0.method) } ?? 1)
        /// Records what is unrecorded; false when the rounds must end (the store failed, or
        /// something new is queued).
        func recordAndLook() async -> Bool {
            let (recorded, newest) = await record(unrecorded.sent, lookingForNew: true)
            results += recorded
            unrecorded.removeAll()
            return !recorded.contains(.storeError) && newest == latest
        }
        /// Takes `item` out of its lane: the head, or a page that went ahead of a head waiting
        /// out its backoff.
        func take(_ item: OutboxItem) {
            if let index = lanes[item.lane]?.firstIndex(where: { $0.key == item.key }) { lanes[item.lane]?.remove(at: index) }
        }
        let method = items.first?.method
        // Attempts made together ahead of their turn (`attemptPagesTogether`) that sent nothing
        // (a retry, a failover: already in the store), by item key: each is taken up at its
        // lane's turn as if made then. Their sends are recorded as soon as the group ends.
        var early: [String: Attempt] = [:]
        while !lanes.isEmpty {
            if stopping.withLock({ $0 }) || Task.isCancelled {
                results += await record(unrecorded.sent, lookingForNew: false).attempts
                return results
            }
            if let commits = store.commitCount, commits != pagesCheckedAt {
                pagesCheckedAt = commits
                let pages = lanes.values.joined().filter { $0.isPage && $0.isDue(at: now) }
                if !pages.isEmpty { pagesChecked.formUnion(await checkPages(pages, commits: commits)) }
            }
            // While the method hangs, pages go first, those with another method to go to
            // first of all: each passes it over at once, instead of waiting behind room
            // creations, posts and pages that will be tried, each a time limit long.
            let hungAtStart = method.map { memory.isHung($0, at: clock.elapsed) } ?? false
            let heads = lanes.filter { !unrecorded.isWaiting($0.key) }.values.compactMap { OutboxItem.next(in: $0, at: now) ?? $0.first }
                .map { item -> (order: (Int, Int, Int64), item: OutboxItem) in
                    let rank = !hungAtStart ? 0 : !item.isPage ? 2 : item.id.flatMap { failoverMethod(item, id: $0, onlyForward: false) } == nil ? 1 : 0
                    return ((rank, item.urgency, item.id ?? 0), item)
                }
                .sorted { $0.order < $1.order }.map(\.item)
            if let method, !hungAtStart {
                var sentTogether = false
                for (key, result) in await attemptPagesTogether(heads.filter { early[$0.key] == nil }, on: method, now: now) {
                    guard case .sent(let done) = result else { early[key] = result; continue }
                    noteRoomLink(done)
                    unrecorded.add(done, at: clock.elapsed)
                    take(done.item)
                    if lanes[done.item.lane]?.isEmpty == true { lanes[done.item.lane] = nil }
                    sentTogether = true
                }
                // Recorded at once: a text or a call sent and not recorded goes again after a
                // crash, and these waited for the whole group already.
                if sentTogether {
                    guard await recordAndLook() else { return results }
                    continue
                }
            }
            var sentThisRound = false
            round: for item in heads {
                // Stopping: between two messages, what was sent is recorded and the rest waits
                // for the next start.
                if isStopping {
                    results += await record(unrecorded.sent, lookingForNew: false).attempts
                    return results
                }
                guard item.isDue(at: now) else {
                    // A page held behind its incident's settlement on a provider that keeps
                    // failing goes to the person's next method instead of waiting for hours.
                    if let lane = lanes[item.lane], let (held, failover) = heldPageToFailOver(in: lane, at: now), let id = held.id {
                        let reason = "\(held.method) keeps failing: a settlement ahead of it has failed \(item.attempts) times"
                        do {
                            var log = logger
                            log[metadataKey: "outbox.key"] = "\(held.key)"
                            if case .effect(.page(let page)) = held.job, try await withdraw(page, held, id: id, now: clock.now, log: log) {
                                results.append(.failed)
                            } else {
                                results.append(try await reroute(held, id: id, to: failover, attempts: held.attempts, reason: reason,
                                                                 now: clock.now, log: log))
                            }
                        } catch {
                            logger.error("cannot record a failover", metadata: ["error": "\(error)"])
                            results.append(.storeError)
                            results += await record(unrecorded.sent, lookingForNew: false).attempts
                            return results
                        }
                    }
                    lanes[item.lane] = nil
                    continue
                }
                let started = clock.elapsed
                let result = if let made = early.removeValue(forKey: item.key) { made } else { await attempt(item) }
                let hung = method.map { memory.isHung($0, at: clock.elapsed) } ?? false
                /// After an attempt that hung: false when the rounds must end (something new is
                /// queued, to be taken with them, or the store failed).
                func lookAfterHanging() async -> Bool {
                    guard hung, !hungAtStart || clock.elapsed - started >= Self.hungAttempt else { return true }
                    guard unrecorded.sent.isEmpty else { return await recordAndLook() }
                    return (try? await store.read({ try $0.latestOutboxID() })) == latest
                }
                switch result {
                case .sent(let done):
                    await noteRoomName(done)
                    noteRoomLink(done)
                    unrecorded.add(done, at: clock.elapsed)
                    sentThisRound = true
                    take(item)
                case .delivered, .failed:
                    results.append(result)
                    take(item)
                case .failedOver where hungAtStart && item.isPage:
                    // Passed over (or hung and failed over): the page left this lane, and the
                    // lane's next page may go over too, before anything that is no page.
                    results.append(result)
                    take(item)
                    if lanes[item.lane]?.isEmpty == true { lanes[item.lane] = nil }
                    guard await lookAfterHanging() else { return results }
                    break round
                case .retried, .failedOver, .waiting:
                    results.append(result)
                    lanes[item.lane] = nil
                case .storeError, .deposed, .stopped:
                    results.append(result)
                    results += await record(unrecorded.sent, lookingForNew: false).attempts
                    return results
                }
                if lanes[item.lane]?.isEmpty == true { lanes[item.lane] = nil }
                // The method hung just now: a page queued meanwhile ends the rounds, to be taken
                // with them, pages first; with none, a new round, pages first, when this one
                // did not start so. Looked for after every attempt that hung: a round of hung
                // creations and posts held a new page back a time limit for each.
                guard await lookAfterHanging() else { return results }
                if hung, !hungAtStart { break round }
                // A slow transport records its sends as they go instead of keeping many sent
                // but unrecorded for a whole round.
                if let since = unrecorded.since, clock.elapsed - since >= Self.recordWithin {
                    guard await recordAndLook() else { return results }
                }
            }
            if unrecorded.sent.isEmpty {
                // Nothing sent this round (failures and retries): look for anything new.
                if !sentThisRound, !lanes.isEmpty, (try? await store.read({ try $0.latestOutboxID() })) != latest { return results }
            } else if lanes.isEmpty || lanes.keys.contains(where: unrecorded.isWaiting) {
                guard await recordAndLook() else { return results }
            }
        }
        return results
    }

    /// On a provider (a text, a call, a mail, PagerDuty, a webhook) each person has a lane of
    /// their own, and a round's pages for different people are attempted together, up to
    /// `pagesTogether` of them: one at a time, a provider answering slowly but answering (a
    /// relay taking 25 s a mail) held every other person's page on it for as long, and a P0's
    /// page "at once" to the director left 100 s late. At most four, so that the providers'
    /// HTTP client (eight connections a host, the calls and the texts sharing Twilio's) never
    /// makes one wait for a connection inside its time limit. Chat platforms keep one attempt
    /// at a time: their lanes are rooms, under one rate limit. While the method is marked hung
    /// the pass-over order applies instead. The attempts, by item key; a send among them is
    /// also kept as sent (`sentUnrecorded`) until recorded.
    func attemptPagesTogether(_ heads: [OutboxItem], on method: ContactMethod, now: Timestamp) async -> [String: Attempt] {
        let pages = heads.filter { $0.isPage && $0.isDue(at: now) }.prefix(Self.pagesTogether)
        guard method.platform == nil, pages.count > 1, !isStopping else { return [:] }
        return await withTaskGroup(of: (String, Attempt).self) { group in
            for page in pages {
                group.addTask {
                    let result = await self.attempt(page)
                    if case .sent(let done) = result { self.memory.sentUnrecorded.withLock { $0[done.id] = done } }
                    return (page.key, result)
                }
            }
            var made: [String: Attempt] = [:]
            for await (key, result) in group { made[key] = result }
            return made
        }
    }

    /// A room made under another name than asked (the incident's was taken, by someone else's
    /// room): from this moment, not from its record, what is sent names the room made. The
    /// declaration's page and broadcast announcement go in the same round as the room's
    /// creation, before it is recorded, and named the taken name: someone else's room.
    func noteRoomName(_ done: Sent) async {
        guard case .roomCreated(_, let name) = done.receipt, let platform = done.item.method.platform,
              case .effect(.createRoom(let asked, _, _, _)) = done.item.job, asked != name,
              (try? await renamedRooms(on: platform)) != nil else { return }
        renamedRooms.withLock { $0[platform]?[asked] = name }
    }

    /// The most pages attempted together on one provider (`attemptPagesTogether`).
    static var pagesTogether: Int { 4 }

    /// The longest a sent item waits to be recorded with the others.
    static var recordWithin: Duration { .milliseconds(20) }

    /// The most items of one lane sent and not yet recorded: `readAhead` on a transport that
    /// sends ahead, 1 on the others. A crash sends them again unless the transport finds them
    /// (`TransportJob.doubt`), so the next delivery treats this many of each lane's first items
    /// as possibly sent.
    func unrecordedPerLane(_ method: ContactMethod) -> Int {
        transports[method]?.sendsAhead == true ? Self.readAhead : 1
    }

    /// Items sent and not yet recorded, and the lanes that wait for their record.
    struct UnrecordedSends {
        /// The most a lane may have.
        let limit: Int
        var sent: [Sent] = []
        /// When the oldest of them went (`IncidentClock.elapsed`).
        var since: Duration?
        var perLane: [String: Int] = [:]
        /// Lanes whose next item needs what the last one's record says.
        var mustRecord: Set<String> = []

        init(perLane limit: Int) {
            self.limit = limit
        }

        mutating func removeAll() {
            self = UnrecordedSends(perLane: limit)
        }

        mutating func add(_ done: Sent, at time: Duration) {
            sent.append(done)
            since = since ?? time
            perLane[done.item.lane, default: 0] += 1
            // A room's creation binds the room the lane's next items need; a reply (Slack's
            // ephemeral one) leaves nothing to look for after a crash.
            if done.receipt != .delivered || done.item.isReply { mustRecord.insert(done.item.lane) }
        }

        func isWaiting(_ lane: String) -> Bool {
            mustRecord.contains(lane) || perLane[lane, default: 0] >= limit
        }
    }

    /// An item the transport took, waiting to be marked delivered.
    struct Sent: Equatable {
        var item: OutboxItem
        var id: Int64
        var receipt: TransportReceipt
        /// When the transport took it.
        var at: Timestamp
    }

    /// Marks `sent` delivered in one transaction, with what each delivery means for its
    /// incident (a room bound, a page's landing on the timeline). Until this commits, a crash
    /// sends them again: at least once, never silently lost. When it fails, this delivery keeps
    /// them (`sentUnrecorded`) and records them at their next turn, without sending again.
    /// With `lookingForNew`, the same transaction reads the newest outbox id, returned with
    /// the attempts (nil when not asked or the store failed).
    func record(_ sent: [Sent], lookingForNew: Bool) async -> (attempts: [Attempt], newest: Int64?) {
        guard !sent.isEmpty || lookingForNew else { return ([], nil) }
        // Written or failed: a stop waits for these no longer (`SendsToFinish`).
        defer { finishing.recorded(sent.map(\.id)) }
        let router = router
        let directory = directory
        let newest: Int64?
        let copiesQueued: Bool
        do {
            (newest, copiesQueued) = try await store.write { records in
                // Marked first, together, as each was before its other records.
                try records.markDelivered(sent.map { ($0.id, $0.at) })
                var copied = false
                for done in sent {
                    copied = try Self.writeRecord(of: done, into: records, router: router, directory: directory) || copied
                }
                return (lookingForNew ? try records.latestOutboxID() : nil, copied)
            }
        } catch {
            logger.error("cannot record a delivery", metadata: ["error": "\(error)", "items": "\(sent.count)"])
            return (await recordApart(sent, failedTogether: error), nil)
        }
        await recorded(sent, copiesQueued: copiesQueued)
        return (Array(repeating: .delivered, count: sent.count), newest)
    }

    /// What `done` means for the store besides its item's mark, which the caller writes first
    /// (`record` marks a round's together): a room bound, a page's landing on its incident's
    /// timeline, a copy of a nudge its people have not seen. True when a copy was queued.
    static func writeRecord(of done: Sent, into records: any IncidentRecords, router: OutboxRouter,
                            directory: Directory) throws -> Bool {
        let item = done.item
        if case .roomCreated(let roomID, let name) = done.receipt, let incident = item.incident,
           let platform = item.method.platform {
            try records.bindRoom(platform, roomID: roomID, name: name, incident: incident)
        }
        // Where a page landed is part of the incident's record.
        if case .effect(.page(let page)) = item.job, let number = item.incident, let stored = try records.readableIncident(number) {
            let decision = stored.incident.pageDelivered(page, by: item.method, at: done.at, roster: directory.roster,
                                                         madeAt: item.createdAt)
            try Decider.commit(decision, home: stored.home, records: records, router: router, now: done.at,
                               unlessUnchangedFrom: stored.incident)
        }
        // A nudge its people have not seen: a copy to each, in the same transaction. In a
        // mirror room only to those whose direct messages go to its platform: a responder on
        // Slack invited to a Matrix mirror room was nudged in the Slack room.
        if case .effect(.post(let message, _)) = item.job, message.kind.asksItsMentions,
           let platform = item.method.platform, let number = item.incident {
            let reported: [PersonID] = if case .deliveredUnseen(let people) = done.receipt { people } else { [] }
            let elsewhere = try askedWithNoRoomOfTheirs(message, platform: platform, incident: number, records: records, directory: directory)
            guard !(reported.isEmpty && elsewhere.isEmpty), let stored = try records.readableIncident(number) else { return false }
            let people = reported + elsewhere.filter { !reported.contains($0) }
            let unseen = platform == stored.home ? people : people.filter { directory.routes($0, home: stored.home).first == platform }
            guard !unseen.isEmpty else { return false }
            let decision = stored.incident.messageUnseen(message, by: unseen, at: done.at, roster: directory.roster)
            try Decider.commit(decision, home: stored.home, records: records, router: router, now: done.at)
            return true
        }
        return false
    }

    /// The people `message` asks to act who have no account on `platform` and no room of the
    /// incident on any platform they have one on: an IC on Matrix alone, of an incident whose
    /// only room is on Slack (no mirror). No platform tells them of the post, and nudges on
    /// their silence went on paging up the ladder while they heard nothing. With a mirror
    /// room of theirs, its own receipt says whether they have seen it there.
    static func askedWithNoRoomOfTheirs(_ message: Message, platform: Platform, incident: Int, records: any IncidentRecords,
                                        directory: Directory) throws -> [PersonID] {
        var people: [PersonID] = []
        for person in Set(message.mentions).sorted(by: { $0.rawValue < $1.rawValue }) {
            let theirs = directory.routes(person, home: platform)
            guard !theirs.isEmpty, !theirs.contains(platform) else { continue }
            if try theirs.allSatisfy({ try records.roomID($0, incident: incident) == nil }) { people.append(person) }
        }
        return people
    }

    /// After `sent` is recorded: forgotten as unrecorded, rooms' ids kept, metrics counted.
    func recorded(_ sent: [Sent], copiesQueued: Bool) async {
        forget(sent.map(\.id))
        if copiesQueued { wake.fire() }
        for done in sent {
            if case .roomCreated(let roomID, _) = done.receipt, let incident = done.item.incident, let platform = done.item.method.platform {
                roomIDs.withLock { $0[BoundRoom(platform: platform, incident: incident)] = roomID }
                // Again, now that it is recorded: a note at the send that found the names not
                // read yet (a failed read) must not be lost for the rest of the term.
                await noteRoomName(done)
            }
            logger.debug("delivered", metadata: ["outbox.key": "\(done.item.key)", "method": "\(done.item.method)"])
            BotMetrics.attempt(done.item.method, page: done.item.isPage, result: .delivered)
            BotMetrics.deliveryLatency(done.item.method, done.at - done.item.createdAt)
        }
    }
}
