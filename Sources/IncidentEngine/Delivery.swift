import IncidentCore
import IncidentRules
import Logging
import ServiceLifecycle
import Synchronization

/// Drains the outbox through the transports: in order within a lane, lanes and contact methods
/// independent of each other, failed attempts retried with exponential backoff and jitter (or
/// the platform's retry hint), each item marked done once. A page one method cannot take goes
/// out on the person's next (`Directory.routes(_:home:)`), and every page's fate (delivered,
/// failed over, given up) is on the incident's timeline.
///
/// Pages go ahead of chatter: each pass takes the head of every lane once, pages and room
/// creation first, so a lane with thousands of notes delays a new page by at most one item
/// per lane. A row that cannot be decoded is set aside (failed, logged once); an item that
/// keeps failing is given up after `Retry.giveUpAfter` attempts, a dead letter the operator
/// sees with `incident-bot outbox --failed`.
public final class Delivery<Clock: IncidentClock>: Service, Sendable {
    public struct Retry: Sendable {
        /// The first retry waits about this long; each further one twice as long.
        public var base: Duration
        /// No wait is longer than this.
        public var ceiling: Duration
        /// Failed attempts of a page on one method before it fails over to the next.
        public var pageAttemptsBeforeFailover: Int
        /// Failed attempts of any item on one platform before it is given up (a dead letter).
        public var giveUpAfter: Int

        /// The defaults live in the config (`BotConfig.RetrySettings`); these serve tests.
        public init(base: Duration = .seconds(2), ceiling: Duration = .minutes(5), pageAttemptsBeforeFailover: Int = 4,
                    giveUpAfter: Int = 30) {
            self.base = base
            self.ceiling = ceiling
            self.pageAttemptsBeforeFailover = pageAttemptsBeforeFailover
            self.giveUpAfter = giveUpAfter
        }

        public var backoff: Backoff { Backoff(first: base, ceiling: ceiling) }

        /// The wait after `attempts` failures, by the one `Backoff` with jitter, in the whole
        /// seconds the outbox keeps (rounded up, at least 1).
        public func delay(afterAttempts attempts: Int, jitter: Double) -> Duration {
            let wait = backoff.delay(afterFailures: attempts, jitter: jitter)
            let seconds = wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)
            return .seconds(max(1, seconds))
        }
    }

    /// What one `drain` did.
    public struct Report: Hashable, Sendable {
        public var delivered = 0
        public var retried = 0
        public var failedOver = 0
        public var failed = 0
        /// Rows set aside because they cannot be decoded.
        public var quarantined = 0
        /// When a lane's head next may be tried; nil when nothing waits.
        public var nextAttempt: Timestamp?
    }

    let store: any IncidentStore
    let clock: Clock
    let transports: [ContactMethod: any OutboxTransport]
    let router: OutboxRouter
    var directory: Directory { router.directory }
    var broadcastRooms: [Platform: String] { router.broadcastRooms }
    let retry: Retry
    let jitter: @Sendable () -> Double
    let logger: Logger
    public let wake: WakeSignal
    private let draining = Mutex(false)
    /// Lanes tried since this process started: the first attempt in each may repeat one the
    /// last process made just before it died.
    let lanesTried = Mutex<Set<String>>([])
    /// The newest outbox item when this process first read the outbox: anything newer was
    /// queued by this process, so no earlier one can have sent it.
    let newestAtStart = Mutex<Int64?>(nil)
    private let stopping = Mutex(false)
    /// The longest delivery sleeps with nothing due: it looks again at least this often, for
    /// items it was not woken for (queued by another process).
    let poll: Duration

    /// `poll`: 30 s alone on a database; on one shared by replicas, the leader's delivery
    /// looks every second for what the others queued.
    public init(store: any IncidentStore, clock: Clock, transports: [any OutboxTransport], router: OutboxRouter,
                wake: WakeSignal, retry: Retry = Retry(), poll: Duration = .seconds(30),
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }, logger: Logger) {
        self.poll = poll
        self.store = store
        self.clock = clock
        self.transports = Dictionary(transports.map { ($0.method, $0) }, uniquingKeysWith: { first, _ in first })
        self.router = router
        self.retry = retry
        self.jitter = jitter
        self.logger = logger
        self.wake = wake
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            while !stopping.withLock({ $0 }), !Task.isCancelled {
                let report = await drain()
                if stopping.withLock({ $0 }) || Task.isCancelled { break }
                // Looks again at least every `poll` even with nothing due: an item an operator
                // retried (`incident-bot outbox retry`) or a replica queued wakes nobody here.
                let poll = clock.now + self.poll
                await clock.sleep(until: min(report.nextAttempt ?? poll, poll), orUntil: wake)
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.wake.fire()
        }
    }

    /// How many items of each lane a pass reads ahead. A pass goes round the lanes one item at
    /// a time and reads again as soon as anything new is queued, so reading ahead costs no
    /// urgency; it saves reading the whole outbox for every item of a long backlog.
    static var readAhead: Int { 32 }

    /// Passes over the outbox until nothing more is due now: each pass goes round the lanes
    /// that are due, on every platform at once, one item of each lane a round, most urgent lane
    /// first, until something new is queued. A drain already running makes this return at once.
    @discardableResult
    public func drain() async -> Report {
        let alreadyDraining = draining.withLock { draining in
            defer { draining = true }
            return draining
        }
        guard !alreadyDraining else { return Report() }
        defer { draining.withLock { $0 = false } }
        var report = Report()
        for _ in 0..<100_000 {
            // Shutting down: what is left stays in the outbox for the next start.
            if stopping.withLock({ $0 }) || Task.isCancelled { return report }
            let now = clock.now
            let heads: OutboxHeads
            let latest: Int64
            do {
                (heads, latest) = try await store.read { records in
                    (try records.outboxHeads(perLane: Self.readAhead), try records.latestOutboxID())
                }
                newestAtStart.withLock { if $0 == nil { $0 = latest } }
                if !heads.undecodable.isEmpty {
                    try await quarantine(heads.undecodable, at: now)
                    report.quarantined += heads.undecodable.count
                }
            } catch {
                logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                report.nextAttempt = now + .seconds(5)
                return report
            }
            let served = heads.items.filter { transports[$0.method] != nil }
            // A lane goes when its head may: the rest of it waits behind the head.
            var laneHeads: [String: OutboxItem] = [:]
            for item in served where laneHeads[item.lane] == nil { laneHeads[item.lane] = item }
            report.nextAttempt = laneHeads.values.map(\.notBefore).filter { $0 > now }.min()
            guard laneHeads.values.contains(where: { $0.notBefore <= now }) else { return report }
            let byMethod = Dictionary(grouping: served, by: \.method)
            let outcomes = await withTaskGroup(of: [Attempt].self) { group in
                for (_, items) in byMethod {
                    group.addTask { await self.deliverInTurns(items, now: now, latest: latest) }
                }
                var all: [Attempt] = []
                for await results in group { all += results }
                return all
            }
            for outcome in outcomes {
                switch outcome {
                case .delivered, .sent: report.delivered += 1
                case .retried: report.retried += 1
                case .failedOver: report.failedOver += 1
                case .failed: report.failed += 1
                case .storeError:
                    report.nextAttempt = now + .seconds(5)
                    return report
                case .deposed:
                    // The election stops this delivery; until then, nothing more is tried.
                    report.nextAttempt = now + .seconds(1)
                    return report
                }
            }
        }
        return report
    }

    /// One platform's items, lane by lane in order: rounds of one attempt per lane, the most
    /// urgent lane heads first (pages and room creation, then direct messages, then the rest,
    /// oldest first within each). A lane whose head must wait (backoff, failover) drops out;
    /// the rounds end when the lanes run out, or when anything new is queued (`latest` moved),
    /// so a new page waits for at most one item of each busy lane.
    func deliverInTurns(_ items: [OutboxItem], now: Timestamp, latest: Int64) async -> [Attempt] {
        var lanes: [String: ArraySlice<OutboxItem>] = [:]
        for item in items { lanes[item.lane, default: []].append(item) }
        var results: [Attempt] = []
        var firstRound = true
        while !lanes.isEmpty {
            if stopping.withLock({ $0 }) || Task.isCancelled { return results }
            if !firstRound, (try? await store.read({ try $0.latestOutboxID() })) != latest { return results }
            firstRound = false
            let heads = lanes.values.compactMap(\.first).sorted { ($0.urgency, $0.id ?? 0) < ($1.urgency, $1.id ?? 0) }
            var sent: [Sent] = []
            // When the oldest item in `sent` went: a slow transport records its items as they
            // go instead of keeping many sent but unrecorded for a whole round.
            var sentSince: Timestamp?
            var storeFailed = false
            for item in heads {
                guard item.notBefore <= now else {
                    lanes[item.lane] = nil
                    continue
                }
                let result = await attempt(item, now: now)
                switch result {
                case .sent(let done):
                    sent.append(done)
                    lanes[item.lane]?.removeFirst()
                    let since = sentSince ?? clock.now
                    sentSince = since
                    if clock.now - since >= Self.recordWithin {
                        let recorded = await record(sent)
                        results += recorded
                        sent = []
                        sentSince = nil
                        storeFailed = recorded.contains(.storeError)
                    }
                case .delivered, .failed:
                    results.append(result)
                    lanes[item.lane]?.removeFirst()
                case .retried, .failedOver:
                    results.append(result)
                    lanes[item.lane] = nil
                case .storeError, .deposed:
                    results.append(result)
                    storeFailed = true
                }
                if storeFailed { break }
                if lanes[item.lane]?.isEmpty == true { lanes[item.lane] = nil }
            }
            // The round's deliveries are recorded in one transaction: the next item of each
            // lane (a post after its room's creation) reads what they recorded.
            let recorded = await record(sent)
            results += recorded
            if storeFailed || recorded.contains(.storeError) { return results }
        }
        return results
    }

    /// The longest a sent item waits to be recorded with the others of its round.
    static var recordWithin: Duration { .milliseconds(20) }

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

    enum Attempt: Equatable {
        /// Delivered, and recorded as delivered.
        case delivered
        /// Delivered, not yet recorded: `record` writes it with the rest of its round.
        case sent(Sent)
        case retried, failedOver, failed, storeError
        /// Not tried: this process no longer leads.
        case deposed
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
    /// sends them again: at least once, never silently lost.
    func record(_ sent: [Sent]) async -> [Attempt] {
        guard !sent.isEmpty else { return [] }
        let router = router
        let roster = directory.roster
        do {
            try await store.write { records in
                for done in sent {
                    let item = done.item
                    if case .roomCreated(let roomID, let name) = done.receipt, let incident = item.incident,
                       let platform = item.method.platform {
                        try records.bindRoom(platform, roomID: roomID, name: name, incident: incident)
                    }
                    try records.markDelivered(done.id, at: done.at)
                    // Where a page landed is part of the incident's record.
                    if case .effect(.page(let page)) = item.job, let number = item.incident, let stored = try records.incident(number) {
                        let decision = stored.incident.pageDelivered(page, by: item.method, at: done.at, roster: roster)
                        try Decider.commit(decision, home: stored.home, records: records, router: router, now: done.at)
                    }
                }
            }
        } catch {
            logger.error("cannot record a delivery", metadata: ["error": "\(error)", "items": "\(sent.count)"])
            return [.storeError]
        }
        for done in sent {
            logger.debug("delivered", metadata: ["outbox.key": "\(done.item.key)", "method": "\(done.item.method)"])
            BotMetrics.attempt(done.item.method, page: done.item.isPage, result: "delivered")
            BotMetrics.deliveryLatency(done.item.method, done.at - done.item.createdAt)
        }
        return Array(repeating: .delivered, count: sent.count)
    }

    /// `result`, counted in the metrics (a delivery is counted when it is recorded).
    func counted(_ item: OutboxItem, _ result: Attempt) -> Attempt {
        let name = switch result {
        case .retried: "retried"
        case .failedOver: "failed_over"
        case .failed: "failed"
        case .delivered, .sent, .storeError, .deposed: ""
        }
        if !name.isEmpty { BotMetrics.attempt(item.method, page: item.isPage, result: name) }
        return result
    }

    func attempt(_ item: OutboxItem, now: Timestamp) async -> Attempt {
        guard let id = item.id, let transport = transports[item.method] else { return .failed }
        var log = logger
        log[metadataKey: "outbox.key"] = "\(item.key)"
        log[metadataKey: "method"] = "\(item.method)"
        do {
            if case .effect(.page(let page)) = item.job, try await withdraw(page, item, id: id, now: now, log: log) { return .failed }
            let job: TransportJob
            do {
                job = try await resolve(item)
            } catch let error as TransportError {
                return counted(item, await settle(item, id: id, error: error, now: now, log: log))
            }
            // A leader whose term ran out (paused, or cut off from the database) sends
            // nothing: another process leads by now and sends it.
            if let term = LeaderTerm.current, !term.holds {
                log.warning("not sending: this process's leader term is over", metadata: ["term": "\(term.token)"])
                return .deposed
            }
            do {
                let receipt = try await transport.deliver(job)
                return .sent(Sent(item: item, id: id, receipt: receipt, at: now))
            } catch {
                return counted(item, await settle(item, id: id, error: error, now: now, log: log))
            }
        } catch {
            log.error("cannot record a delivery", metadata: ["error": "\(error)"])
            return .storeError
        }
    }
}
