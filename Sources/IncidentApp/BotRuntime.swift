import Foundation
import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentPostgres
import IncidentPolicy
import IncidentSQLite
import Logging
import Prometheus
import ServiceLifecycle

/// Wires the store, the engine, delivery and the scheduler for a set of transports: chat
/// platforms and pager methods.
public struct BotRuntime<Clock: IncidentClock>: Sendable {
    public let store: any IncidentStore
    public let engine: Engine<Clock>
    public let delivery: Delivery<Clock>
    public let scheduler: Scheduler<Clock>
    let transports: [any OutboxTransport]
    let retry: Delivery<Clock>.Retry
    /// What this process's deliveries know that no record says (`DeliveryMemory`), kept
    /// across its leader terms.
    let deliveryMemory = DeliveryMemory<Clock>()
    let logger: Logger

    /// `community`: the unlisted accounts served; by default none on Matrix (a bot without
    /// Matrix can reach nobody there) and all of its Slack workspace.
    /// `backlogRead`: fired once the commands sent while the bot was down are read (Matrix's
    /// first sync); the scheduler's first round waits for it (`Scheduler.backlogRead`).
    public init(loaded: LoadedConfig, store: any IncidentStore, clock: Clock, transports: [any OutboxTransport],
                community: Community = Community(matrix: []), backlogRead: WakeSignal? = nil, logger: Logger) {
        let platforms = Set(transports.compactMap(\.method.platform))
        let pagers = Set(transports.map(\.method).filter { $0.platform == nil })
        // Slack says which workspace an account a command names is in (`AccountsOutside`).
        var community = community
        if community.outsiders == nil { community.outsiders = AccountsOutside() }
        let settings = loaded.engineSettings(platforms: platforms, pagers: pagers, community: community)
        self.store = store
        engine = Engine(store: store, clock: clock, settings: settings, logger: logger)
        retry = loaded.config.retry
        self.transports = transports
        self.logger = logger
        // Delivery starts once the scheduler has moved pages to whom the roster names now.
        let started = WakeSignal()
        let anchored = WakeSignal()
        delivery = Delivery(store: store, clock: clock, transports: transports, router: engine.router,
                            wake: engine.deliveryWake, retry: retry, memory: deliveryMemory, startGate: started, startsAfter: anchored,
                            logger: logger)
        scheduler = Scheduler(engine: engine, logger: logger, startGate: started, startsAfter: anchored, backlogRead: backlogRead)
    }

    /// The scheduler and delivery of a process alone on its database (SQLite), which leads for
    /// good: delivery's start read made first, before the caller opens its HTTP listener, so a
    /// command answered as the process starts is none the process before may have sent, and
    /// does not wait for a send of that process to land. A read that fails is made again as
    /// delivery starts.
    func leadingAlone() async -> [any Service] {
        try? await delivery.readWhatWasQueuedBefore()
        return [scheduler, delivery]
    }

    /// A delivery and a scheduler made afresh for one leader term on a database replicas
    /// share: each looks every `poll` for what other replicas queued or moved. What the
    /// process sent and could not record is kept across terms (`deliveryMemory`).
    func leaderServices(poll: Duration, backlogRead: WakeSignal?) -> [any Service] {
        let started = WakeSignal()
        let anchored = WakeSignal()
        return [Scheduler(engine: engine, logger: logger, poll: poll, startGate: started, startsAfter: anchored, backlogRead: backlogRead),
                Delivery(store: store, clock: engine.clock, transports: transports, router: engine.router, wake: engine.deliveryWake,
                         retry: retry, poll: poll, memory: deliveryMemory, startGate: started, startsAfter: anchored, logger: logger)]
    }
}

/// Why the bot will not start.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// `serve` with no chat platform enabled.
    static func nothingToServe(_ config: BotConfig) -> StartupError {
        StartupError("no chat platform is enabled, so there is nothing to serve: set slack.enabled: true or "
                     + "matrix.enabled: true in \(config.file); run incident-bot console to use the bot at a terminal")
    }
}

/// `incident-bot console` and `incident-bot serve`, as functions the CLI calls.
public enum BotCommands {
    /// Opens the database and migrates it, with a clear reason when it cannot.
    /// `migrate: false` for the commands that only read or mend (export, report, outbox).
    /// `readOnly`: only read, as it is (SQLite; `report`, `export`, `outbox` listings).
    public static func openStore(_ location: DatabaseLocation, migrate: Bool = true, readOnly: Bool = false,
                                 logger: Logger) throws -> any IncidentStore {
        do {
            switch location {
            case .sqlite(let path) where readOnly: return try SQLiteStore.readOnly(path: path)
            case .sqlite(let path): return try SQLiteStore(path: path, migrate: migrate)
            case .postgres(let settings): return try PostgresStore(settings: settings, migrate: migrate, logger: logger)
            }
        } catch {
            // A bare "SQLite error 14: unable to open database file" said neither why nor what to do.
            if case .sqlite(let path) = location, FileManager.default.fileExists(atPath: path),
               !FileManager.default.isWritableFile(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) {
                throw StartupError("cannot open the database \(location): its folder is not writable, and SQLite reads a WAL database "
                                   + "through a -shm file it makes beside it; copy the database (with its -wal, if any) to a writable "
                                   + "folder and use the copy (\(error))")
            }
            throw StartupError("cannot open the database \(location): \(error)")
        }
    }

    /// Runs the console on a manual clock (`start`) or the real one (nil), reading `lines`.
    public static func console(loaded: LoadedConfig, store: any IncidentStore, start: Timestamp?, output: ConsoleOutput,
                               lines: AsyncStream<String>, batch: Int = 1, logger: Logger) async throws {
        let transport = ConsoleTransport(output: output)
        // As serve logs them: a drill on a policy that pages nobody for P3 must say so too. (The
        // console reaches everyone, so the warnings about who is reached where do not apply.)
        for warning in PolicyGaps.warnings(loaded.policy) { logger.warning("\(warning)") }
        if let start {
            try await ClockBehindStore.refuseManualStart(start, store: store, zone: loaded.policy.timeZone)
            let clock = ManualClock(start: start)
            let runtime = BotRuntime(loaded: loaded, store: store, clock: clock, transports: [transport], logger: logger)
            let session = ConsoleSession(engine: runtime.engine, delivery: runtime.delivery, output: output, manualClock: clock, batch: batch)
            await session.run(lines)
            await StoppedStore.settle(store, logger: logger)
            return
        }
        let runtime = BotRuntime(loaded: loaded, store: store, clock: LiveClock(), transports: [transport], logger: logger)
        await ClockBehindStore.warnOfLiveClock(runtime.engine.clock.now, store: store, zone: loaded.policy.timeZone, logger: logger)
        let session = ConsoleSession(engine: runtime.engine, delivery: runtime.delivery, output: output, manualClock: nil, batch: batch)
        let input = ConsoleInput(session: session, lines: lines)
        try await run([
            .init(service: runtime.scheduler),
            .init(service: runtime.delivery),
            .init(service: input, successTerminationBehavior: .gracefullyShutdownGroup),
        ], logger: logger)
        await StoppedStore.settle(store, logger: logger)
    }

    /// Runs every platform enabled in the config, with the scheduler and delivery, until
    /// SIGTERM or SIGINT. Secrets come from `environment`; a Matrix password login keeps its
    /// token beside a SQLite database (on PostgreSQL, replicas share no disk, so the token and
    /// the link secret must come from the environment).
    /// `metrics` is the registry the process's swift-metrics backend writes to (the binary
    /// bootstraps `PrometheusExport` with it); the admin listener serves it.
    public static func serve(loaded: LoadedConfig, location: DatabaseLocation, environment: [String: String],
                             metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger,
                             openStore: () throws -> any IncidentStore) async throws {
        // Everything the config and the environment must give is checked before the database is
        // locked, opened or migrated: a refusal changes nothing (no file made, no shared
        // database migrated under older replicas), and says one thing.
        guard !loaded.config.enabledPlatforms.isEmpty else { throw StartupError.nothingToServe(loaded.config) }
        // Before a secret is read: one kept beside a link's name is found beside the file from now on.
        for moved in location.gatherCompanions() { logger.notice("\(moved)") }
        var transports: [any OutboxTransport] = []
        var slack: SlackSetup?
        var matrix: (setup: MatrixSetup, client: MatrixClient)?
        if loaded.config.enabledPlatforms.contains(.slack) {
            let setup = try SlackSetup.load(loaded.config, environment: environment)
            transports.append(setup.transport(logger: logger))
            slack = setup
        }
        if loaded.config.enabledPlatforms.contains(.matrix) {
            let setup = try MatrixSetup.load(loaded.config.matrix, environment: environment, tokenFile: location.companionFile(.matrixToken))
            let client = setup.client()
            transports.append(setup.transport(client: client, logger: logger))
            matrix = (setup, client)
        }
        let paging = try PagingSetup.load(loaded, environment: environment, linkSecretFile: location.companionFile(.linkSecret))
        let store = try openStore()
        for warning in paging.warnings { logger.warning("\(warning)") }
        await ClockBehindStore.warnOfLiveClock(LiveClock().now, store: store, zone: loaded.policy.timeZone, logger: logger)
        // Each platform names the bot's own account once asked (`OwnAccounts`): nobody names it IC.
        let ownAccounts = OwnAccounts()
        var community = Community(matrix: [], ownAccounts: ownAccounts)
        var learnOwnServer: (any Service)?
        if let matrix {
            (community, learnOwnServer) = await matrix.setup.community(client: matrix.client, logger: logger, ownAccounts: ownAccounts)
        }
        let clock = LiveClock()
        transports += paging.transports(now: { clock.now }, logger: logger)
        // With Matrix, what was typed in the homeserver while the bot was down is read before
        // the scheduler fires what fell due meanwhile (a fresh signal for each leader's term).
        let backlogRead = matrix.map { _ in WakeSignal() }
        let runtime = BotRuntime(loaded: loaded, store: store, clock: clock, transports: transports,
                                 community: community, backlogRead: backlogRead, logger: logger)
        let settings = runtime.engine.settings
        var loops: [(Platform, String)] = []
        if slack?.appToken != nil { loops.append((.slack, "socket_mode")) }
        if matrix != nil { loops += [(.matrix, "whoami"), (.matrix, "sync"), (.matrix, "sync position read")] }
        BotMetrics.startAtZero(methods: transports.map(\.method), loops: loops)
        let directory = Directory(roster: settings.roster, platforms: settings.platforms, pagers: settings.pagers)
        for warning in PolicyGaps.warnings(settings.policy) + UnreachableLevels.warnings(directory)
            + UnanswerablePages.warnings(directory, policy: settings.policy, answeredWhereTheyLand: paging.answeredWhereTheyLand)
            + UnfollowedUpdates.warnings(directory, policy: settings.policy) {
            logger.error("\(warning)")
        }
        let stored = try await store.read { try $0.openIncidents() }
        // Which database, said once: a relative default (`./incident-bot.sqlite`) started from
        // another folder made an empty one there and ran on it, the open incidents' pages
        // stopped, and nothing said so.
        let database = if case .sqlite(let path) = location { URL(fileURLWithPath: path).standardizedFileURL.path } else { "\(location)" }
        // Not closed: resolved incidents count too (their post-mortem reminders run).
        logger.notice("using the database", metadata: ["database": "\(database)", "incidents_not_closed": "\(stored.count)"])
        for warning in PolicyDrift.warnings(open: stored.map(\.incident), policy: settings.policy, roster: settings.roster) {
            logger.warning("\(warning)")
        }
        for warning in UnservedHomes.warnings(open: stored, served: settings.platforms) { logger.error("\(warning)") }
        // Every replica answers HTTP (its answer is the store's commit); only the leader runs
        // the loops that must run once: the scheduler, delivery, Matrix /sync and Socket Mode.
        var everywhere: [any Service] = (learnOwnServer.map { [$0] } ?? []) + [WallClockWatch(clock: runtime.engine.clock, every: .seconds(15), logger: logger)]
        var routes: [HTTPListener.Routes] = paging.routes(engine: runtime.engine, logger: logger)
        let fromSlack = slack?.inbound(engine: runtime.engine, logger: logger)
        routes += fromSlack?.routes ?? []
        everywhere += fromSlack?.besideRoutes ?? []
        if !routes.isEmpty {
            var http = loaded.config.http
            let descriptors = FileDescriptorLimit.raised()
            http.maxConnections = FileDescriptorLimit.connectionCap(configured: http.maxConnections, descriptors: descriptors)
            if http.maxConnections < loaded.config.http.maxConnections {
                logger.warning("HTTP listener holds fewer connections than http.max_connections: the process may open too few files",
                               metadata: ["max_connections": "\(http.maxConnections)", "open_files_limit": "\(descriptors)"])
            }
            everywhere.append(NamedListener(listener: HTTPListener(settings: http, routes: routes, logger: logger).application(),
                                            setting: "http.listen \(http.host):\(http.port)", logger: logger))
        }
        let (slackSetup, matrixSetup) = (slack, matrix)
        @Sendable func matrixLoop(_ backlogRead: WakeSignal?) -> [any Service] {
            matrixSetup.map { [$0.setup.inbound(client: $0.client, engine: runtime.engine, backlogRead: backlogRead, logger: logger)] } ?? []
        }
        let role: ReplicaRole
        var leaseCheck: AdminListener.Check?
        switch location {
        case .sqlite:
            // Alone on its file (the lock saw to that), this process leads for good.
            role = ReplicaRole(leading: true)
            everywhere += await runtime.leadingAlone() + (fromSlack?.services ?? []) + matrixLoop(backlogRead)
        case .postgres(let settings):
            role = ReplicaRole(leading: false)
            let timing = LeaderElection.timing(takeover: loaded.config.database.takeover)
            let lease = PostgresLease(settings: settings, length: timing.lease, logger: logger)
            let leaseHealth = LoopHealth("the lease")
            leaseCheck = LeaderElection.readinessCheck(leaseHealth)
            if let tag = settings.replica, let postgres = store as? PostgresStore {
                everywhere.append(ReplicaFilesCheck(own: tag, every: .seconds(30), look: { try await postgres.replicasOnOtherFiles(than: tag) },
                                                    logger: logger))
            }
            everywhere.append(LeaderElection(lease: lease, standbyPoll: timing.standbyPoll, role: role, health: leaseHealth, logger: logger) {
                // Each term's own Slack gateway and Socket Mode, and its own Matrix loop.
                let backlogRead = matrixSetup.map { _ in WakeSignal() }
                return runtime.leaderServices(poll: .seconds(1), backlogRead: backlogRead)
                    + (slackSetup?.inbound(engine: runtime.engine, logger: logger, sharing: fromSlack?.workspaces).services ?? [])
                    + matrixLoop(backlogRead)
            })
        }
        if let host = loaded.config.admin.host {
            // On SQLite the check also asks whether the file at the path is still the one open.
            let file: @Sendable () -> String? = if case .sqlite(let path) = location { { DatabaseLock.replaced(path) } } else { { nil } }
            var checks = [AdminListener.storeCheck(store, file: file)] + (leaseCheck.map { [$0] } ?? [])
            if let slack { checks.append(slack.readinessCheck()) }
            if let matrix { checks.append(matrix.setup.readinessCheck(client: matrix.client)) }
            everywhere.append(NamedListener(listener: AdminListener(host: host, port: loaded.config.admin.port, checks: checks,
                                                                    registry: metrics, store: store, role: role, logger: logger).application(),
                                            setting: "admin.listen \(host):\(loaded.config.admin.port)", logger: logger))
        }
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = everywhere.map { .init(service: $0) }
        // Which build runs, for whoever reads the log after an upgrade or a rollback; once every
        // check has passed, so a refusal stays one line.
        logger.info("incident-bot starting", metadata: ["version": "\(BotVersion.current)", "config": "\(loaded.config.file)"])
        let ignored = IgnoredSignals.install(logger: logger)
        defer { withExtendedLifetime(ignored) {} }
        try await run(services, logger: logger)
        await StoppedStore.settle(store, logger: logger)
    }

    /// How long SIGTERM or SIGINT waits for the services to finish what they are doing before
    /// they are cancelled, and how long cancelled services get before the process ends anyway
    /// (`StopDeadline`). Nothing is lost by stopping mid-send: the outbox is
    /// durable, and an orchestrator kills a process that takes its time (Kubernetes after 30 s).
    static let gracefulShutdown: Duration = .seconds(1)
    static let cancellation: Duration = .milliseconds(800)

    /// Runs `services` until one ends the group, or SIGTERM or SIGINT: then stops within
    /// `gracefulShutdown` + `cancellation`, whatever is queued, and if a cancelled service still
    /// holds on, ends the process then (`StopDeadline`) instead of service-lifecycle's trap.
    static func run(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger) async throws {
        // Last: asked to stop first, it only sets its clock and returns.
        let deadline = ServiceGroupConfiguration.ServiceConfiguration(service: StopDeadline(limit: gracefulShutdown + cancellation,
                                                                                             logger: logger))
        var configuration = ServiceGroupConfiguration(services: services + [deadline], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger)
        configuration.maximumGracefulShutdownDuration = gracefulShutdown
        configuration.maximumCancellationDuration = nil
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// The console's input as a service: ends (and with it the group) on `:quit` or end of input.
struct ConsoleInput<Clock: IncidentClock>: Service {
    let session: ConsoleSession<Clock>
    let lines: AsyncStream<String>

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await session.run(lines)
            await finishDelivering()
        }
    }

    /// The input ended (`:quit`, or a pipe's end): what the last lines queued is delivered
    /// before the session stops, as on the manual clock. The session's own drain returns at
    /// once while the delivery service is in a pass, and stopping the group stops that pass
    /// between messages: a piped `declare` then `:quit` left its page for the next session.
    /// Goes round at most `rounds` times, 20 ms apart, for items due now on the engine's clock
    /// (the console's transport never fails), and stops once `stillRounds` go by without the
    /// count moving (items of a platform this console does not serve, left in the outbox of a
    /// database `serve` used).
    func finishDelivering() async {
        let store = session.engine.store
        var last: Int?
        var still = 0
        for _ in 0..<Self.rounds where !Task.isCancelled {
            let now = session.engine.clock.now
            guard let pending = try? await store.read({ try $0.pendingOutbox(limit: 1_000) }) else { return }
            let due = pending.filter { $0.notBefore <= now }.count
            guard due > 0 else { return }
            still = due == last ? still + 1 : 0
            last = due
            if still >= Self.stillRounds { return }
            await session.delivery.drain()
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    static var rounds: Int { 250 }
    static var stillRounds: Int { 25 }
}
