import AsyncHTTPClient
import Foundation
import GRDB
@testable import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentSlack
import IncidentSQLite
import IncidentTesting
import IncidentWire
import Logging
import NIOCore
import NIOHTTP1
import SlackFake
import Synchronization
import Testing

/// The bot as `incident-bot serve` runs it for Slack (endpoint, gateway, transport, engine,
/// real SQLite store) against the fake Slack, on a manual clock that the test moves.
final class SlackHarness: Sendable {
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let users = ["alice": "U0ALICE01", "bob": "U0BOB0002", "carol": "U0CAROL03", "dave": "U0DAVE004",
                        "erin": "U0ERIN005", "grace": "U0GRACE07"]
    static let lobby = "C0LOBBY01"

    let fake: FakeSlack
    let clock: ManualClock
    let runtime: BotRuntime<ManualClock>
    let endpoint: RunningServer
    let broadcast: String
    let folder: URL
    /// The workspaces the endpoint serves.
    let workspaces: SlackWorkspaces
    /// What the endpoint did with the requests it got, by outcome.
    let stats: SlackEndpointStats

    enum Signer { case own, slackSDK }

    /// A fresh fake Slack (with #incidents and #lobby) and a fresh database in a temporary folder;
    /// `roster` (YAML) in place of the example roster when given.
    /// `maxConnections`: the listener's `http.max_connections`, with a read timeout of
    /// `TestTools.patience` so connections a test holds idle stay open (10 s ran out while the
    /// whole suite started). `readTimeout`: the listener's, 1 s otherwise.
    static func start(roster: String? = nil, maxConnections: Int? = nil, readTimeout: String? = nil) async throws -> SlackHarness {
        let fake = FakeSlack(users: Array(users.values) + ["U0OUTSIDER"])
        try await fake.start()
        fake.addChannel("incidents")
        fake.addChannel("lobby")
        let clock = ManualClock(start: TestConfig.start)
        let broadcast = fake.channel(named: "incidents")!.id
        let folder = try TestConfig.temporaryDirectory()
        let configPath = folder.appendingPathComponent("incident-bot.yaml").path
        var text = config(broadcast: broadcast)
        if let roster {
            let rosterPath = folder.appendingPathComponent("roster.yaml").path
            try roster.write(toFile: rosterPath, atomically: true, encoding: .utf8)
            text = text.replacingOccurrences(of: "roster: \(TestConfig.directory.path)/roster.example.yaml", with: "roster: \(rosterPath)")
        }
        if let maxConnections {
            text = text.replacingOccurrences(of: "  read_timeout: 1s", with: "  read_timeout: \(TestTools.patience.wholeSeconds)s\n  max_connections: \(maxConnections)")
        }
        if let readTimeout { text = text.replacingOccurrences(of: "  read_timeout: 1s", with: "  read_timeout: \(readTimeout)") }
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        let loaded = try LoadedConfig.load(try BotConfig.load(path: configPath), allowExampleRoster: false)
        let setup = try SlackSetup.load(loaded.config, environment: [
            "SLACK_BOT_TOKEN": FakeSlack.botToken, "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": fake.apiURL,
        ])
        var logger = Logger(label: "slack-test")
        logger.logLevel = .critical
        let store = try SQLiteStore(path: folder.appendingPathComponent("bot.sqlite").path)
        let runtime = BotRuntime(loaded: loaded, store: store, clock: clock, transports: [setup.transport(logger: logger)], logger: logger)
        // The endpoint exactly as serve builds it from the config; run alone so the test drives
        // the scheduler and delivery on the manual clock.
        let workspaces = setup.workspaces(logger: logger, clock: runtime.engine.clock, outsiders: runtime.engine.settings.community.outsiders)
        let gateway = SlackGateway(engine: runtime.engine, api: setup.api(), workspaces: workspaces,
                                   timelineReaction: setup.settings.timelineReaction, logger: logger)
        let configured = try #require(setup.endpoint(gateway, logger: logger))
        let listener = HTTPListener(settings: loaded.config.http, routes: [configured.register], logger: logger)
        let endpoint = try await RunningServer.start { onRunning in listener.application(onListening: onRunning) }
        return SlackHarness(fake: fake, clock: clock, runtime: runtime, endpoint: endpoint, broadcast: broadcast, folder: folder,
                            workspaces: workspaces, stats: configured.stats)
    }

    /// The bot's config for the tests: the shipped policy, the example roster, Slack on a free port.
    static func config(broadcast: String) -> String {
        """
        policy: \(TestConfig.directory.path)/policy.yaml
        roster: \(TestConfig.directory.path)/roster.example.yaml
        broadcast:
          slack: \(broadcast)
        admin:
          listen: 127.0.0.1:0
        http:
          listen: 127.0.0.1:0
          max_body: 65536
          read_timeout: 1s
        slack:
          enabled: true
        """
    }

    init(fake: FakeSlack, clock: ManualClock, runtime: BotRuntime<ManualClock>, endpoint: RunningServer, broadcast: String, folder: URL,
         workspaces: SlackWorkspaces, stats: SlackEndpointStats) {
        self.workspaces = workspaces
        self.stats = stats
        self.fake = fake
        self.clock = clock
        self.runtime = runtime
        self.endpoint = endpoint
        self.broadcast = broadcast
        self.folder = folder
    }

    /// Waits until the bot knows its own workspace from `auth.test`: until then it takes
    /// requests from any (reliability.md), and a loaded test run can answer slowly.
    func learnsItsWorkspace() async throws {
        for _ in 0..<300 {
            if await workspaces.served() != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestTools.Failure("auth.test never answered")
    }

    /// Stops the endpoint; the fake keeps running unless `fakeToo`.
    func stop(fakeToo: Bool = true) async {
        await endpoint.stop()
        if fakeToo { await fake.stop() }
    }

    // MARK: - Requests

    struct Answer {
        var status: Int
        var body: String
        var json: JSONValue? { JSONValue.parse(Array(body.utf8)) }
        /// The ephemeral text a slash command answered with.
        var text: String { json?["text"]?.string ?? body }
    }

    /// POSTs `body` to the endpoint with Slack's headers, signed at the clock's now (or `timestamp`).
    func post(_ body: [UInt8], contentType: String, signer: Signer = .own, timestamp: String? = nil,
              headers extra: [String: String] = [:], signature override: String? = nil) async throws -> Answer {
        let timestamp = timestamp ?? "\(clock.now.secondsSinceEpoch)"
        let signature: String
        if let override {
            signature = override
        } else {
            switch signer {
            case .own: signature = SlackSigner(secret: Self.secret).signature(timestamp: timestamp, body: body)
            case .slackSDK: signature = try await IndependentSigner.sign(secret: Self.secret, [(timestamp, body)])[0]
            }
        }
        var headers = ["Content-Type": contentType, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature]
        headers.merge(extra) { _, new in new }
        return try await raw(body, headers: headers.filter { !$0.value.isEmpty })
    }

    func raw(_ body: [UInt8], headers: [String: String], path: String = "/slack/events", method: HTTPMethod = .POST) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(endpoint.port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        // A fresh connection for every request: the endpoint closes a connection idle for its
        // 1 s read timeout, and a pooled one reused just as it closes fails with "I/O on closed
        // channel" (a client-side race that would otherwise make these tests flaky under load).
        request.headers.replaceOrAdd(name: "Connection", value: "close")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: text))
    }

    private let counter = Mutex(0)
    func nextID() -> Int { counter.withLock { $0 += 1; return $0 } }

    /// `person` types `/command text` in `channel`, in workspace `team`; `userTeam` is a Slack
    /// Connect user's own workspace.
    @discardableResult
    func slash(_ person: String, _ line: String, in channel: String = lobby, signer: Signer = .own,
               team: String = FakeSlack.teamID, userTeam: String? = nil) async throws -> Answer {
        let (command, text) = line.firstIndex(of: " ").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) } ?? (line, "")
        let n = nextID()
        var fields = [
            "token": "deprecated-verification-token", "team_id": team, "team_domain": "example",
            "channel_id": channel, "channel_name": "somewhere", "user_id": Self.users[person] ?? person, "user_name": person,
            "command": command, "text": text, "api_app_id": "AINCBOT01", "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T0TEAM001/\(n)/x", "trigger_id": "\(n).\(n * 7).trigger",
        ]
        if let userTeam { fields["user_team_id"] = userTeam }
        let form = FormEncoding.encode(fields)
        return try await post(Array(form.utf8), contentType: "application/x-www-form-urlencoded", signer: signer)
    }

    /// An `app_mention` event callback: `person` writes `@incident-bot text` in `channel`.
    @discardableResult
    func mention(_ person: String, _ text: String, in channel: String, eventID: String? = nil, retry: Int? = nil,
                 team: String = FakeSlack.teamID) async throws -> Answer {
        let id = eventID ?? "Ev\(nextID())"
        let body: JSONValue = [
            "token": "deprecated", "team_id": .string(team), "api_app_id": "AINCBOT01", "type": "event_callback",
            "event_id": .string(id), "event_time": .number(Double(clock.now.secondsSinceEpoch)),
            "authorizations": [["user_id": .string(FakeSlack.botUserID), "is_bot": true, "team_id": "T0TEAM001"]],
            "event": ["type": "app_mention", "user": .string(Self.users[person] ?? person), "channel": .string(channel),
                      "text": .string("<@\(FakeSlack.botUserID)> \(text)"), "ts": "1764000000.000100", "event_ts": "1764000000.000100"],
        ]
        return try await post(Array(body.text.utf8), contentType: "application/json",
                              headers: retry.map { ["X-Slack-Retry-Num": "\($0)", "X-Slack-Retry-Reason": "http_timeout"] } ?? [:])
    }

    /// Any event callback: `event` as Slack sends it (its `type`, `user`, ...).
    @discardableResult
    func event(_ event: JSONValue, eventID: String? = nil) async throws -> Answer {
        let body: JSONValue = [
            "token": "deprecated", "team_id": .string(FakeSlack.teamID), "api_app_id": "AINCBOT01", "type": "event_callback",
            "event_id": .string(eventID ?? "Ev\(nextID())"), "event_time": .number(Double(clock.now.secondsSinceEpoch)),
            "authorizations": [["user_id": .string(FakeSlack.botUserID), "is_bot": true, "team_id": "T0TEAM001"]],
            "event": event,
        ]
        return try await post(Array(body.text.utf8), contentType: "application/json")
    }

    /// `person` clicks a button of a message the bot posted.
    @discardableResult
    func click(_ person: String, _ actionID: String, on message: FakeSlack.Posted) async throws -> Answer {
        let button = message.blocks?.array?.last?["elements"]?.array?.first { $0["action_id"]?.string == actionID }
        let payload: JSONValue = [
            "type": "block_actions", "trigger_id": .string("\(nextID()).click"), "api_app_id": "AINCBOT01",
            "user": ["id": .string(Self.users[person] ?? person), "username": .string(person), "team_id": "T0TEAM001"],
            "team": ["id": "T0TEAM001", "domain": "example"],
            "container": ["type": "message", "message_ts": .string(message.ts), "channel_id": .string(message.channel), "is_ephemeral": false],
            "channel": ["id": .string(message.channel), "name": "directmessage"],
            "message": ["type": "message", "ts": .string(message.ts), "text": .string(message.text), "blocks": message.blocks ?? []],
            "actions": [["action_id": .string(actionID), "block_id": "b1", "type": "button", "value": button?["value"] ?? .null,
                         "action_ts": "1764000001.000200"]],
        ]
        let form = FormEncoding.encode(["payload": payload.text])
        return try await post(Array(form.utf8), contentType: "application/x-www-form-urlencoded")
    }

    // MARK: - Time

    var engine: Engine<ManualClock> { runtime.engine }

    /// Fires what is due and delivers what can be delivered, as the services would.
    func settle() async throws {
        try await engine.fireDue()
        await runtime.delivery.drain()
    }

    /// The delivery of a process started afresh on this database (a restart, a new leader's
    /// term): a run of its own, with nothing read yet; quiet unless given a logger.
    func freshDelivery(logger: Logger? = nil) -> Delivery<ManualClock> {
        var quiet = Logger(label: "fresh-delivery")
        quiet.logLevel = .critical
        return Delivery(store: runtime.store, clock: clock, transports: runtime.transports, router: engine.router,
                        wake: WakeSignal(), logger: logger ?? quiet)
    }

    /// Moves the clock to `minute` of the drill, stopping at every due time on the way.
    func run(toMinute minute: Int) async throws {
        try await TestBot.run(toMinute: minute, engine: engine, clock: clock, settle: settle)
    }

    /// Counts in the store, to show that refused requests change nothing.
    func storeCounts() async throws -> [String: Int] {
        try await (runtime.store as! SQLiteStore).writer.read { db in
            var counts: [String: Int] = [:]
            for table in ["incident", "timeline", "outbox", "seen_event", "room"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            return counts
        }
    }
}
