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
    /// How failed sends are retried (the config's `delivery:` section).
    public typealias Retry = DeliveryRetry

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
    /// Fired by the scheduler once it has moved open incidents' pages to whom the roster names
    /// now (`Engine.handOverToTheRoster`): delivery waits for it, or a restart with an edited
    /// roster sent the outgoing person's page as it told the room the page had moved.
    public let startGate: WakeSignal?
    /// The methods drains are working on, and whether one is moving stranded pages: one
    /// drain at a time for each.
    private let draining = Mutex<(methods: Set<ContactMethod>, stranded: Bool)>(([], false))
    /// The items an earlier delivery may have sent without recording (nil before this
    /// delivery first read the outbox).
    let doubtedAtStart = Mutex<DoubtedAtStart?>(nil)
    /// Items sent whose record failed, and the methods that refused each page: the process's,
    /// shared by the deliveries of its leader terms.
    let memory: DeliveryMemory<Clock>

    /// Forgets what is kept about items now finished (delivered, given up, withdrawn).
    func forget(_ ids: some Collection<Int64>) {
        memory.forget(ids)
    }
    /// This delivery, told apart from the ones before it (`SendDoubt.earlierDelivery`).
    let run = DeliveryRun.next()
    /// When it was made: the earlier delivery had stopped by then, and a send of its has
    /// landed `landingWindow` after it.
    let startedAt: Timestamp
    /// The newest outbox id before `serve` on SQLite opened its listener, or as `run` began,
    /// before the scheduler queued anything (it waits for `startsAfter`); or the newest the
    /// term's earlier leaders could send: an item queued since is none an earlier delivery
    /// sent. nil when only drained (the console, tests): then one queued in an earlier second is.
    let queuedBeforeStart = Mutex<Int64?>(nil)
    /// Fired once `queuedBeforeStart` is read: the scheduler's start pass waits for it.
    let startsAfter: WakeSignal?
    let stopping = Mutex(false)
    /// A term's mark that cannot be raised is said once every 10 s, not by each loop a second.
    let markFailureLog = LogThrottle(every: .seconds(10))
    /// Incidents' room ids as read or recorded by this delivery. Only delivery binds a room
    /// (when it records the room's creation), and only one delivery runs on a database, so
    /// what it has read stays true until it records another.
    let roomIDs = Mutex<[BoundRoom: String]>([:])

    struct BoundRoom: Hashable {
        var platform: Platform
        var incident: Int
    }
    /// Per platform, once read: the incidents' rooms made under another name (theirs was taken:
    /// `Records.renamedRooms`), so messages name the room people will find. Kept as
    /// `roomIDs` is: only this delivery binds rooms.
    let renamedRooms = Mutex<[Platform: [String: String]]>([:])
    /// Per platform, rooms' ids by name, for `TransportJob.roomLinks`: noted as each room's
    /// creation returns (before its record: the page sent in the same round links it) or
    /// read once. A room's name and id never change once made.
    let roomLinks = Mutex<[Platform: [String: String]]>([:])
    /// Room creations checked for the round under way (`checkRoomCreations`), by outbox id:
    /// each taken once, when its item is resolved.
    let checkedRoomCreations = Mutex<[Int64: Effect.Action]>([:])
    /// Pages read to go for the rounds under way (`checkPages`), by outbox id: each taken once,
    /// when its page is tried.
    let checkedPages = Mutex<[Int64: CheckedPage]>([:])
    /// Broadcast posts claimed for the rounds under way (`claimBroadcasts`), by outbox id, with
    /// when (`clock.elapsed`): each taken once, when its post is sent.
    let claimedBroadcasts = Mutex<[Int64: Duration]>([:])
    /// Whether pages queued on a method this process does not serve are moved to one it does
    /// (`moveStranded`): a process that pages people does; the console, which prints pages and
    /// may be run on a copy of a real database (or on the real one while `serve` is stopped),
    /// leaves them for `serve`.
    var movesStranded: Bool { transports.keys.contains { $0 != .console } }
    /// The longest delivery sleeps with nothing due: it looks again at least this often, for
    /// items it was not woken for (queued by another process).
    let poll: Duration
    /// Texts, calls and mails under way, which a stop lets finish (`SendsToFinish`).
    let finishing: SendsToFinish

    /// `poll`: 30 s alone on a database; on one shared by replicas, the leader's delivery
    /// looks every second for what the others queued.
    public init(store: any IncidentStore, clock: Clock, transports: [any OutboxTransport], router: OutboxRouter,
                wake: WakeSignal, retry: Retry = Retry(), poll: Duration = .seconds(30), memory: DeliveryMemory<Clock> = DeliveryMemory(),
                startGate: WakeSignal? = nil, startsAfter: WakeSignal? = nil, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
                finishing: SendsToFinish = .process, logger: Logger) {
        self.startGate = startGate
        self.startsAfter = startsAfter
        self.finishing = finishing
        self.poll = poll
        self.memory = memory
        self.store = store
        self.clock = clock
        self.startedAt = clock.now
        self.transports = Dictionary(transports.map { ($0.method, $0) }, uniquingKeysWith: { first, _ in first })
        self.router = router
        self.retry = retry
        self.jitter = jitter
        self.logger = logger
        self.wake = wake
    }

    /// Delivers until shut down: a loop for each method, so that a provider that hangs (a
    /// mail relay that takes the connection and never answers) holds up only its own items,
    /// never a page on another method; and a loop that moves pages stranded on methods this
    /// process does not serve. Each sleeps until its next item is due, or until the engine
    /// queues something on its method (`wake`, passed on to the loops of the methods it names).
    public func run() async throws {
        await noteWhatWasQueuedBeforeStart()
        startsAfter?.fire()
        await tryAgainWhatWaitedForSetup()
        await startGate?.wait()
        let methods = transports.keys.sorted { $0.rawValue < $1.rawValue }
        let wakes = methods.map { _ in WakeSignal() }
        let shutdown = WakeSignal()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !self.isStopping {
                        // A fire about some methods wakes their loops alone (nil: every loop).
                        let queued = await self.wake.wait()
                        for (method, wake) in zip(methods, wakes) where queued?.contains(method) ?? true { wake.fire() }
                    }
                }
                for (method, wake) in zip(methods, wakes) {
                    group.addTask { await self.loop(over: [method], movingStranded: false, wake: wake) }
                }
                if movesStranded {
                    // Pages are stranded by a change of configuration or by a replica configured
                    // otherwise, never by what this process queues: looked for on `poll` alone.
                    group.addTask { await self.loop(over: [], movingStranded: true, wake: shutdown) }
                }
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.wake.fire()
            for wake in wakes { wake.fire() }
            shutdown.fire()
        }
    }

    var isStopping: Bool { stopping.withLock { $0 } || Task.isCancelled }

    /// Drains `methods` again and again, sleeping in between until the next item is due, or
    /// `poll` at the longest, or until `wake` fires.
    func loop(over methods: Set<ContactMethod>, movingStranded: Bool, wake: WakeSignal) async {
        while !isStopping {
            let report = await drain(only: methods, movingStranded: movingStranded)
            if isStopping { break }
            // Looks again at least every `poll` even with nothing due: an item an operator
            // retried (`incident-bot outbox retry`) or a replica queued wakes nobody here.
            let poll = clock.now + self.poll
            await clock.sleep(until: min(report.nextAttempt ?? poll, poll), orUntil: wake)
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
        await drain(only: Set(transports.keys), movingStranded: true)
    }

    /// `drain()` for the items of `methods` only (nothing else is sent, and the report's next
    /// attempt is theirs); pages stranded on methods this process does not serve are moved
    /// when `movingStranded`. Returns at once when a drain of any of them is running.
    func drain(only methods: Set<ContactMethod>, movingStranded: Bool) async -> Report {
        // The stranded pages are one drain's at a time too: two moving the same page would
        // fail it over twice. A drain that finds them taken sends its methods' items anyway.
        let (claimed, movingStranded) = draining.withLock { draining -> (Bool, Bool) in
            guard draining.methods.isDisjoint(with: methods) else { return (false, false) }
            draining.methods.formUnion(methods)
            let stranded = movingStranded && !draining.stranded
            if stranded { draining.stranded = true }
            return (true, stranded)
        }
        guard claimed else { return Report() }
        defer {
            draining.withLock { draining in
                draining.methods.subtract(methods)
                if movingStranded { draining.stranded = false }
            }
        }
        var report = Report()
        for _ in 0..<100_000 {
            // Shutting down: what is left stays in the outbox for the next start.
            if isStopping { return report }
            let now = clock.now
            var heads: OutboxHeads
            let latest: Int64
            do {
                let starting = doubtedAtStart.withLock { $0 == nil }
                let backupEnd: Int64?
                (heads, latest, backupEnd) = try await store.read { records in
                    (try records.outboxHeads(perLane: Self.readAhead), try records.latestOutboxID(),
                     starting ? try records.newestOutboxIDAtBackup() : nil)
                }
                heads.items = heads.items.map { $0.waitingAtMost(longestWait, at: now) }
                if starting { doubt(heads.items, backupEnd: backupEnd) }
                // Set aside by one drain: the one that moves stranded pages (every other reads
                // the same rows, and would log each again).
                if movingStranded, !heads.undecodable.isEmpty {
                    try await quarantine(heads.undecodable, at: now)
                    report.quarantined += heads.undecodable.count
                }
            } catch {
                // Cut off by the process stopping is no failure of the database's.
                if !isStopping { logger.error("cannot read the outbox", metadata: ["error": "\(error)"]) }
                report.nextAttempt = now + .seconds(5)
                return report
            }
            let stranded = movesStranded && movingStranded
                ? heads.items.filter { transports[$0.method] == nil && $0.isPage && $0.method != .console } : []
            if !stranded.isEmpty {
                // Moved to methods this process serves, or given up: read the outbox again.
                // A page moved wakes its new method's loop (`reroute`).
                guard await moveStranded(stranded, now: now, into: &report) else { return report }
                continue
            }
            let served = OutboxItem.withoutInvitationsAheadOfTheirRoom(heads.items.filter { methods.contains($0.method) && transports[$0.method] != nil })
            // A lane goes when its head may (or a page behind a head that waits out a backoff,
            // `OutboxItem.next(in:at:)`): the rest of it waits behind the head.
            var lanes: [String: [OutboxItem]] = [:]
            for item in served { lanes[item.lane, default: []].append(item) }
            // Woken for the head, and for any page or settlement `next(in:at:)` may let go ahead.
            report.nextAttempt = lanes.values.flatMap { lane in lane.prefix(1) + lane.dropFirst().filter { $0.isPage || $0.isSettlement } }
                .filter { !$0.isDue(at: now) }.map(\.notBefore).min()
            guard anyCanGo(lanes, at: now) else { return report }
            // Nothing goes unless the next leader can tell it may have (`markSendable`); what
            // is held back is tried again a second later.
            let sendable = await markSendable(served, now: now)
            if sendable.count < served.count {
                report.nextAttempt = min(report.nextAttempt ?? now + .seconds(1), now + .seconds(1))
                guard anyCanGo(Dictionary(grouping: sendable, by: \.lane), at: now) else { return report }
            }
            let byMethod = Dictionary(grouping: sendable, by: \.method)
            let outcomes = await withTaskGroup(of: [Attempt].self) { group in
                for (_, items) in byMethod {
                    group.addTask { await self.deliverInTurns(items, now: now, latest: latest) }
                }
                var all: [Attempt] = []
                for await results in group { all += results }
                return all
            }
            await bringForwardOnRecovery(byMethod)
            for outcome in outcomes {
                switch outcome {
                case .delivered, .sent: report.delivered += 1
                case .retried, .waiting: report.retried += 1
                case .failedOver: report.failedOver += 1
                case .failed: report.failed += 1
                case .storeError:
                    report.nextAttempt = now + .seconds(5)
                    return report
                case .deposed:
                    // The election stops this delivery; until then, nothing more is tried.
                    report.nextAttempt = now + .seconds(1)
                    return report
                case .stopped:
                    return report
                }
            }
        }
        return report
    }

    enum Attempt: Equatable {
        /// Delivered, and recorded as delivered.
        case delivered
        /// Delivered, not yet recorded: `record` writes it with the rest of its round.
        case sent(Sent)
        case retried, failedOver, failed, storeError
        /// Put off without an attempt: a page mail waiting for its incident's room (`notYet`).
        /// No retry in the metrics: every page mail of a new incident showed one, and a burst
        /// of them while Slack could not make rooms pointed at a healthy mail relay.
        case waiting
        /// Not tried: this process no longer leads.
        case deposed
        /// Not tried, or not recorded: the process is stopping (a send cut off by the
        /// shutdown's cancellation is not a failed attempt; the next start looks for it).
        case stopped
    }

    /// `result`, counted in the metrics (a delivery is counted when it is recorded).
    func counted(_ item: OutboxItem, _ result: Attempt) -> Attempt {
        let counted: BotMetrics.AttemptResult? = switch result {
        case .retried: .retried
        case .failedOver: .failedOver
        case .failed: .failed
        case .delivered, .sent, .waiting, .storeError, .deposed, .stopped: nil
        }
        if let counted { BotMetrics.attempt(item.method, page: item.isPage, result: counted) }
        return result
    }

    /// Tries `item` once. Its times (a withdrawal, a backoff, the delivery's record) are read
    /// from the clock as it goes, not from when the pass began: a pass through a backlog can
    /// take a minute, and a `Retry-After` counted from its start would be over before it began.
    func attempt(_ item: OutboxItem) async -> Attempt {
        guard let id = item.id, let transport = transports[item.method] else { return .failed }
        let now = clock.now
        // Sent already, by this delivery, and its record failed: record it now.
        if let sent = memory.sentUnrecorded.withLock({ $0[id] }), sent.item.method == item.method { return .sent(sent) }
        var log = logger
        log[metadataKey: "outbox.key"] = "\(item.key)"
        log[metadataKey: "method"] = "\(item.method)"
        do {
            if case .effect(.page(let page)) = item.job, try await withdraw(page, item, id: id, now: now, log: log) { return .failed }
            if try await withdrawMootPost(item, id: id, now: now, log: log) { return .failed }
            if let passedOver = try await passOverIfHung(item, id: id, now: now, log: log) { return counted(item, passedOver) }
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
            if item.isBroadcast, try await !claimBroadcast(item, id: id, now: clock.now) { return .failed }
            let started = clock.elapsed
            do {
                // A send no restart could look up runs to its end though a stop cancels this.
                let receipt = if transport.sendsAhead {
                    try await transport.deliver(job)
                } else {
                    try await finishing.send(id) { () async throws(TransportError) in try await transport.deliver(job) }
                }
                if item.isPage { answeredAgain(item.method, log: log) }
                memory.providerOutages.withLock { if $0.failing.remove(item.method) != nil { $0.recovered.insert(item.method) } }
                return .sent(Sent(item: item, id: id, receipt: receipt, at: clock.now))
            } catch {
                // The term ran out during the send: most often the send stopped itself before
                // its body left, but it may also have gone out with its answer lost. Either way
                // this process records nothing, and the next leader looks for the item before
                // sending it again.
                if let term = LeaderTerm.current, !term.holds {
                    log.warning("not recorded: this process's leader term ended during the send", metadata: ["term": "\(term.token)"])
                    return .deposed
                }
                if Task.isCancelled {
                    log.warning("not recorded: the process stopped during the send", metadata: ["error": "\(error)"])
                    return .stopped
                }
                return counted(item, await settle(item, id: id, error: error, now: clock.now, took: clock.elapsed - started, log: log))
            }
        } catch {
            log.error("cannot record a delivery", metadata: ["error": "\(error)"])
            return .storeError
        }
    }
}
