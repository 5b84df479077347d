import Foundation
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentSQLite
import Logging
import Synchronization

/// The engine, the real SQLite store, delivery and recording transports for Slack and Matrix,
/// on a manual clock: what `incident-bot serve` runs, minus the network.
public final class TestBot: Sendable {
    public let clock: ManualClock
    public let store: any IncidentStore
    /// The store when it is SQLite (every test but the PostgreSQL ones).
    public var sqlite: SQLiteStore { store as! SQLiteStore }
    public let engine: Engine<ManualClock>
    public let delivery: Delivery<ManualClock>
    public let slack: RecordingTransport
    public let matrix: RecordingTransport
    /// The pager methods served (none unless asked for), by method.
    public let pagers: [ContactMethod: RecordingTransport]
    /// The texts, calls and mails under way, this bot's own (not the process's, which every
    /// test shares).
    public let finishing = SendsToFinish()

    public static let broadcast: [Platform: String] = [.slack: "C0BROADCAST", .matrix: "!broadcast:localhost"]

    /// `path` nil: an in-memory database.
    public convenience init(path: String? = nil, clock: ManualClock = ManualClock(start: TestConfig.start),
                            retry: Delivery<ManualClock>.Retry = Delivery<ManualClock>.Retry(), jitter: Double = 1, mirror: Bool = false,
                            pagers: [ContactMethod] = [], roster: Roster? = nil) throws {
        try self.init(store: try path.map { try SQLiteStore(path: $0) } ?? SQLiteStore.inMemory(), clock: clock, retry: retry,
                      jitter: jitter, mirror: mirror, pagers: pagers, roster: roster)
    }

    /// The bot on `store` (any store: the contract tests run it on PostgreSQL too).
    public init(store: any IncidentStore, clock: ManualClock = ManualClock(start: TestConfig.start),
                retry: Delivery<ManualClock>.Retry = Delivery<ManualClock>.Retry(), jitter: Double = 1, mirror: Bool = false,
                pagers: [ContactMethod] = [], roster: Roster? = nil) throws {
        self.clock = clock
        self.store = store
        let now: @Sendable () -> Timestamp = { clock.now }
        slack = RecordingTransport(platform: .slack, now: now)
        matrix = RecordingTransport(platform: .matrix, now: now)
        self.pagers = Dictionary(uniqueKeysWithValues: pagers.map { ($0, RecordingTransport(method: $0, now: now)) })
        let settings = EngineSettings(policy: try TestConfig.policy(), roster: try roster ?? TestConfig.roster(),
                                      platforms: [.slack, .matrix], pagers: Set(pagers), broadcastRooms: Self.broadcast,
                                      mirror: mirror)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        engine = Engine(store: store, clock: clock, settings: settings, logger: logger)
        delivery = Delivery(store: store, clock: clock, transports: [slack, matrix] + Array(self.pagers.values), router: engine.router,
                            wake: engine.deliveryWake, retry: retry,
                            jitter: { jitter }, finishing: finishing, logger: logger)
    }

    private let eventCounter = Mutex(0)

    /// Someone types `text` on Slack; `room` is a Slack channel id, or an incident room name.
    @discardableResult
    public func say(_ user: String, _ text: String, in room: String = "C0LOBBY", platform: Platform = .slack,
                    eventID: String? = nil) async throws -> EngineOutcome {
        let id = eventID ?? "Ev\(eventCounter.withLock { count in count += 1; return count })"
        return try await engine.handle(ChatEvent(platform: platform, id: id, room: room, user: user, text: text))
    }

    /// Moves the clock to `minute` of the drill, stopping at every due time on the way to fire
    /// and deliver what is due there, as the scheduler and delivery services would.
    public func run(toMinute minute: Int) async throws {
        try await Self.run(toMinute: minute, engine: engine, clock: clock, settle: settle)
    }

    /// The drill's clock walk for any engine on a manual clock: `settle` fires what is due and
    /// delivers what can be delivered.
    public static func run(toMinute minute: Int, engine: Engine<ManualClock>, clock: ManualClock,
                           settle: () async throws -> Void) async throws {
        let target = TestConfig.at(minute)
        try await settle()
        while let next = try await engine.nextDue(), next <= target {
            clock.advance(to: next)
            try await settle()
            if let again = try await engine.nextDue(), again <= clock.now { break }
        }
        clock.advance(to: target)
        try await settle()
    }

    /// Fires what is due now and delivers what can be delivered now.
    public func settle() async throws {
        try await engine.fireDue()
        await delivery.drain()
    }

    /// Pages delivered on either platform, as `minute person` in delivery order.
    public var pages: [String] {
        (slack.delivered + matrix.delivered).filter { $0.job.page != nil }.compactMap { item -> (Int64, String)? in
            guard case .directMessage(let person, _) = item.job.action else { return nil }
            return ((item.at - TestConfig.start).wholeSeconds / 60, person.rawValue)
        }.sorted { $0 < $1 }.map { "\($0.0) \($0.1)" }
    }

    /// Minutes at which a nudge was posted in the incident's room.
    public func nudges(in room: String) -> [Int64] {
        slack.delivered.compactMap { item in
            guard case .post(let target, let message) = item.job.action, target == room,
                  message.kind == .nudge else { return nil }
            return (item.at - TestConfig.start).wholeSeconds / 60
        }
    }
}
