import IncidentCommands
import IncidentCore
import IncidentPolicy
import IncidentRules
import Logging

/// The one flow: `ChatEvent` -> parse -> decide -> ONE transaction (state, timeline, outbox,
/// seen event id, next due time) -> outcome. When `handle` returns, everything the event
/// changed is committed and the adapter may acknowledge it to the platform.
public final class Engine<Clock: IncidentClock>: Sendable {
    public let store: any IncidentStore
    public let clock: Clock
    public let settings: EngineSettings
    /// Fired after a transaction that may have moved the earliest due time.
    public let schedulerWake = WakeSignal()
    /// Fired after a transaction that put something in the outbox.
    public let deliveryWake = WakeSignal()
    let logger: Logger
    let router: OutboxRouter

    public init(store: any IncidentStore, clock: Clock, settings: EngineSettings, logger: Logger) {
        self.store = store
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.router = OutboxRouter(directory: Directory(roster: settings.roster, platforms: settings.platforms),
                                   broadcastRooms: settings.broadcastRooms)
    }

    public var directory: Directory { router.directory }

    /// Carries out what a person typed. Throws only when the store fails; then nothing was
    /// committed and the adapter must not acknowledge the event.
    public func handle(_ event: ChatEvent) async throws -> EngineOutcome {
        let parsed: Result<ParsedCommand, CommandError> = CommandParser.parse(event.text)
        if case .failure(let error) = parsed, error.kind == .notACommand { return EngineOutcome(.ignored) }
        let actor = settings.roster.identify(event.platform, accountID: event.user)
        let now = clock.now
        let settings = settings
        let router = router
        let outcome = try await store.write { records in
            if try records.isSeen(event.platform, eventID: event.id) { return EngineOutcome(.duplicate) }
            try records.markSeen(event.platform, eventID: event.id, at: now)
            var decider = Decider(records: records, settings: settings, router: router, event: event, actor: actor, now: now)
            let outcome = try decider.decide(parsed)
            if event.reply == .outbox, let reply = outcome.reply {
                try records.enqueue([router.reply(reply, to: event, incident: outcome.incident, at: now)])
            }
            return outcome
        }
        var log = logger
        log[metadataKey: "platform"] = "\(event.platform)"
        log[metadataKey: "event.id"] = "\(event.id)"
        if let incident = outcome.incident { log[metadataKey: "incident.id"] = "INC-\(incident)" }
        log.debug("event \(outcome.disposition.rawValue)")
        if outcome.disposition == .handled || event.reply == .outbox {
            schedulerWake.fire()
            deliveryWake.fire()
        }
        return outcome
    }

    /// Fires everything due at or before the clock's now, the longest overdue incident first,
    /// committing each batch like a command. Returns how many incidents were ticked.
    @discardableResult
    public func fireDue() async throws -> Int {
        let now = clock.now
        let roster = settings.roster
        let router = router
        let batch = 100
        var ticked = 0
        // Each tick moves an incident's next due time past now, so every round takes new ones;
        // the bound keeps a corrupt row from looping.
        for _ in 0..<1_000 {
            let count = try await store.write { records in
                let due = try records.incidentsDue(at: now, limit: batch)
                for stored in due {
                    let decision = stored.incident.tick(at: now, roster: roster)
                    try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
                }
                return due.count
            }
            ticked += count
            if count < batch { break }
        }
        if ticked > 0 {
            logger.info("fired due reminders and pages", metadata: ["incidents": "\(ticked)"])
            deliveryWake.fire()
        }
        return ticked
    }

    /// When the scheduler should next wake: the earliest due time of any incident.
    public func nextDue() async throws -> Timestamp? {
        try await store.read { try $0.earliestDue() }
    }

    /// Forgets platform event ids older than the retention period.
    @discardableResult
    public func pruneSeenEvents() async throws -> Int {
        let cutoff = clock.now - settings.seenRetention
        return try await store.write { try $0.pruneSeen(before: cutoff) }
    }
}
