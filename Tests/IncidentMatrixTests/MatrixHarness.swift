import Foundation
import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentSlack
import IncidentSQLite
import IncidentTesting
import IncidentWire
import Logging
import Prometheus
import MatrixSynapse
import SlackFake
import Synchronization
import Testing

/// The bot as `incident-bot serve` runs it for Matrix (sync service, transport, engine, real
/// SQLite store, delivery) against a real Synapse, on a manual clock the test moves. Each
/// harness has its own tag: its people are `@alice.<tag>:localhost`, ..., so tests can share
/// one homeserver. With a fake Slack the bot serves both platforms with `mirror: true`.
final class MatrixHarness: Sendable {
    static let people = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"]

    let synapse: Synapse
    let tag: String
    let bot: MatrixTestUser
    let users: [String: MatrixTestUser]
    let clock: ManualClock
    let folder: URL
    let loaded: LoadedConfig
    let slack: FakeSlack?
    let runtime = Mutex<Running?>(nil)

    struct Running: Sendable {
        var runtime: BotRuntime<ManualClock>
        var client: MatrixClient
        var tasks: [Task<Void, any Error>]
        /// The admin listener's `/readyz` check for Matrix, as serve builds it.
        var readiness: AdminListener.Check
    }

    private static let counter = Mutex(0)

    /// Registers the bot and the roster's people (those with a Matrix id) on `synapse`;
    /// `roster` replaces the example roster's text.
    static func start(on synapse: Synapse, clock: ManualClock = ManualClock(start: TestConfig.start),
                      people: [String] = people, mirroringSlack slack: FakeSlack? = nil,
                      allowCommandsFrom: [String] = [], roster rosterText: String? = nil,
                      broadcastAlias: String? = nil) async throws -> MatrixHarness {
        let tag = "t\(counter.withLock { $0 += 1; return $0 })x\(UInt16.random(in: 0...UInt16.max))"
        let bot = try await synapse.register("incident-bot.\(tag)")
        var users: [String: MatrixTestUser] = [:]
        for person in people + ["reporter"] { users[person] = try await synapse.register("\(person).\(tag)") }
        let folder = try TestConfig.temporaryDirectory()
        let roster = try (rosterText ?? TestConfig.text("roster.example.yaml")).replacingOccurrences(of: ":example.org\"", with: ".\(tag):localhost\"")
        try roster.write(to: folder.appendingPathComponent("roster.yaml"), atomically: true, encoding: .utf8)
        var config = """
        policy: \(TestConfig.directory.path)/policy.yaml
        roster: roster.yaml
        matrix:
          enabled: true
          homeserver: \(synapse.url)
          sync_timeout: 2s
          allow_commands_from: [\(allowCommandsFrom.map { "\"@\($0).\(tag):localhost\"" }.joined(separator: ", "))]
        admin:
          listen: 127.0.0.1:0

        """
        // The broadcast room by alias, `#NAME.TAG:localhost`, as operators name it.
        if let broadcastAlias { config += "broadcast:\n  matrix: \"#\(broadcastAlias).\(tag):localhost\"\n" }
        if slack != nil { config += "mirror: true\nhttp:\n  listen: 127.0.0.1:0\nslack:\n  enabled: true\n" }
        let path = folder.appendingPathComponent("incident-bot.yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try LoadedConfig.load(try BotConfig.load(path: path), allowExampleRoster: false)
        let harness = MatrixHarness(synapse: synapse, tag: tag, bot: bot, users: users, clock: clock, folder: folder, loaded: loaded,
                                    slack: slack)
        try await harness.startBot()
        return harness
    }

    init(synapse: Synapse, tag: String, bot: MatrixTestUser, users: [String: MatrixTestUser], clock: ManualClock, folder: URL,
         loaded: LoadedConfig, slack: FakeSlack?) {
        self.synapse = synapse
        self.tag = tag
        self.bot = bot
        self.users = users
        self.clock = clock
        self.folder = folder
        self.loaded = loaded
        self.slack = slack
    }

    var databasePath: String { folder.appendingPathComponent("bot.sqlite").path }

    /// Starts the bot as serve wires it (a fresh process's worth of objects on the same database).
    /// `scheduling`: with its scheduler, which waits for the first sync as serve's does.
    func startBot(scheduling: Bool = false) async throws {
        // MATRIX_TEST_LOG=debug shows the bot's log while a test runs.
        var logger = Logger(label: "matrix-test.\(tag)")
        logger.logLevel = ProcessInfo.processInfo.environment["MATRIX_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let setup = try MatrixSetup.load(loaded.config.matrix, environment: ["MATRIX_ACCESS_TOKEN": bot.token],
                                         tokenFile: databasePath + ".matrix-token")
        let client = setup.client()
        let store = try SQLiteStore(path: databasePath)
        var transports: [any OutboxTransport] = [setup.transport(client: client, logger: logger)]
        if let slack {
            let slackSetup = try SlackSetup.load(loaded.config, environment: [
                "SLACK_BOT_TOKEN": FakeSlack.botToken, "SLACK_SIGNING_SECRET": "mirror-test-secret", "SLACK_API_URL": slack.apiURL,
            ])
            transports.append(slackSetup.transport(logger: logger))
        }
        let backlogRead = scheduling ? WakeSignal() : nil
        let runtime = BotRuntime(loaded: loaded, store: store, clock: clock, transports: transports,
                                 community: await setup.community(client: client, logger: logger).community, backlogRead: backlogRead,
                                 logger: logger)
        let sync = setup.inbound(client: client, engine: runtime.engine, backlogRead: backlogRead, logger: logger)
        var tasks = [Task { try await sync.run() }, Task { try await runtime.delivery.run() }]
        if scheduling {
            tasks.append(Task { try await runtime.scheduler.run() })
        } else {
            // No scheduler runs here (the test moves the clock and fires): delivery starts at once.
            runtime.delivery.startGate?.fire()
        }
        let readiness = setup.readinessCheck(client: client)
        self.runtime.withLock { $0 = Running(runtime: runtime, client: client, tasks: tasks, readiness: readiness) }
    }

    /// Stops the bot's services (as if the process ended) and waits for them.
    func stopBot() async {
        guard let running = runtime.withLock({ state in defer { state = nil }; return state }) else { return }
        for task in running.tasks { task.cancel() }
        for task in running.tasks { _ = await task.result }
    }

    var current: BotRuntime<ManualClock> {
        get throws { try #require(runtime.withLock { $0?.runtime }) }
    }

    var client: MatrixClient {
        get throws { try #require(runtime.withLock { $0?.client }) }
    }

    /// The admin listener with the checks serve gives it on this store and homeserver, on a
    /// free loopback port: `/readyz` asked over HTTP. Stop it when done.
    func adminListener() async throws -> RunningServer {
        let store = try current.store
        let matrix = try #require(runtime.withLock { $0?.readiness })
        var logger = Logger(label: "matrix-admin-test")
        logger.logLevel = .critical
        let listener = AdminListener(host: "127.0.0.1", port: 0, checks: [AdminListener.storeCheck(store), matrix],
                                     registry: PrometheusCollectorRegistry(), store: store, logger: logger)
        return try await RunningServer.start { onRunning in listener.application(onListening: onRunning) }
    }

    func user(_ name: String) throws -> MatrixTestUser { try #require(users[name]) }
    func mxid(_ name: String) -> String { "@\(name).\(tag):localhost" }

    /// `person` makes a room and invites the bot; returns when the bot has joined.
    func lobby(of person: String = "reporter") async throws -> String {
        let user = try user(person)
        let room = try await user.createRoom(inviting: [bot.user])
        try await waitUntil("the bot joins \(room)") {
            let members = try await self.bot.call(.GET, "rooms/\(MatrixClient.segment(room))/joined_members")
            return members["joined"]?[self.bot.user] != nil
        }
        return room
    }

    /// Polls `probe` every 100 ms for up to `seconds` until it gives a value (waiting on the
    /// homeserver and the bot's services, never on the bot's clock).
    func waitFor<T>(_ what: String, seconds: Double = 60, _ probe: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let value = try? await probe() { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out after \(seconds) s waiting until \(what)")
        throw TestTools.Failure("timed out waiting until \(what)")
    }

    func waitUntil(_ what: String, seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        _ = try await waitFor(what, seconds: seconds) { try await condition() ? true : nil }
    }

    /// Waits until the outbox has nothing pending (every queued message reached Synapse).
    func waitForDelivery(seconds: Double = 30) async throws {
        let store = try current.store
        try await waitUntil("the outbox is empty", seconds: seconds) {
            try await store.read { try $0.pendingOutbox(limit: 1).isEmpty }
        }
    }

    /// Fires what is due and delivers what can be delivered.
    func settle() async throws {
        let runtime = try current
        try await runtime.engine.fireDue()
        runtime.delivery.wake.fire()
        try await waitForDelivery()
    }

    func run(toMinute minute: Int) async throws {
        let runtime = try current
        try await TestBot.run(toMinute: minute, engine: runtime.engine, clock: clock, settle: settle)
    }

    /// The incident room's id, from its alias.
    func room(alias name: String) async throws -> String {
        let alias = "#\(name):localhost"
        return try await waitFor("\(alias) exists") { try await self.bot.resolve(alias) }
    }
}
