import IncidentCommands
import IncidentCore
import IncidentPolicy
import IncidentRules
import Logging
import Synchronization

/// The one flow: `ChatEvent` -> parse -> decide -> ONE transaction (state, timeline, outbox,
/// seen event id, next due time) -> outcome. When `handle` returns, everything the event
/// changed is committed and the adapter may acknowledge it to the platform.
public final class Engine<Clock: IncidentClock>: Sendable {
    public let store: any IncidentStore
    public let clock: Clock
    public let settings: EngineSettings
    /// Fired after a transaction that may have moved the earliest due time before the
    /// scheduler's next wake-up.
    public let schedulerWake = WakeSignal()
    /// Fired after a transaction that put something in the outbox, about the methods it was
    /// queued on when the engine knows them.
    public let deliveryWake = WakeSignal()
    let logger: Logger
    public let router: OutboxRouter
    /// Per-person command limits and room refusal throttling.
    public let limiter: CommandLimiter
    /// Per-person limit of pin changes (a timeline from pins), apart from commands so a busy
    /// scribe's marks spend none of their `/update`s: four times the commands' limit.
    public let pinLimiter: CommandLimiter
    /// Events handed in one at a time while a transaction commits go into the next together.
    let commits: CommitGroup<Clock>
    /// Incidents whose rows this process found it cannot read when they fell due: the
    /// scheduler leaves them out, so one such row does not stop every other incident's
    /// reminders and pages. Logged once each; a restart (a version that reads them) tries again.
    let unreadableIncidents = Mutex<Set<Int>>([])

    public init(store: any IncidentStore, clock: Clock, settings: EngineSettings, logger: Logger) {
        self.store = store
        self.clock = clock
        commits = CommitGroup(clock: clock)
        self.settings = settings
        self.logger = logger
        self.limiter = CommandLimiter(perMinute: settings.commandsPerMinute)
        self.pinLimiter = CommandLimiter(perMinute: settings.commandsPerMinute * 4)
        self.router = OutboxRouter(directory: Directory(roster: settings.roster, platforms: settings.platforms, pagers: settings.pagers),
                                   broadcastRooms: settings.broadcastRooms, mirror: settings.mirror)
    }

    public var directory: Directory { router.directory }

    /// Carries out what a person typed. Throws only when the store fails; then nothing was
    /// committed and the adapter must not acknowledge the event.
    /// Events arriving while another's transaction commits share the next transaction (group
    /// commit); each caller still returns only after the commit that holds its event.
    /// `answerBy`: how long the platform waits for the answer (a Slack slash command's 3 s,
    /// less a margin): an event whose transaction has not begun by then is not committed, and
    /// `TooLateToCommit` is thrown; one already in a transaction waits for its outcome (on
    /// PostgreSQL, only once its COMMIT is sent: `IncidentStore.write(givingUpWhen:)`).
    public func handle(_ event: ChatEvent, answerBy: Duration? = nil) async throws -> EngineOutcome {
        do {
            return try await commits.submit(event, deadline: answerBy.map { clock.elapsed + $0 }) { events, notAfter in
                try await self.handle(events, checkpoint: nil, notAfter: notAfter)
            }
        } catch {
            // Only what would have been written throws: plain chat is ignored before the store.
            BotMetrics.commandNotSaved()
            throw error
        }
    }

    /// Carries out a batch of events in ONE transaction, in order, and stores the platform's
    /// sync position with them (Matrix's `next_batch`), so a crash leaves either the whole
    /// batch and its token committed or neither. `notices` answer events the adapter could not
    /// read, in the same transaction. Returns one outcome per event.
    /// `notAfter` (on the clock's `elapsed`): if the transaction has not begun by then, or its
    /// first statement (the write lock, on PostgreSQL) finished later, it throws
    /// `TooLateToCommit` and commits nothing.
    public func handle(_ events: [ChatEvent], checkpoint: SyncCheckpoint?, notices: [Notice] = [],
                       notAfter: Duration? = nil) async throws -> [EngineOutcome] {
        let settings = settings
        let now = clock.now
        let limiter = limiter
        let pinLimiter = pinLimiter
        let commands: [TypedCommand] = events.enumerated().compactMap { index, event in
            let parsed = event.pin.map { .success(ParsedCommand(.pin($0))) } ?? CommandParser.parse(event.text)
            if case .failure(let error) = parsed, error.kind == .notACommand { return nil }
            return TypedCommand(index: index, event: event, parsed: parsed, actor: settings.roster.identify(event.platform, accountID: event.user),
                                limiter: event.pin == nil ? limiter : pinLimiter)
        }
        var outcomes = Array(repeating: EngineOutcome(.ignored), count: events.count)
        guard !commands.isEmpty || checkpoint != nil || !notices.isEmpty else { return outcomes }
        let router = router
        // A fresh count for each try: a batch the store fails is retried event by event, and
        // its commands must not count twice.
        let counts = CountsInTransaction()
        let clock = clock
        let isLate: @Sendable () -> Bool = { notAfter.map { clock.elapsed > $0 } ?? false }
        let (decided, queued, earliestDue) = try await store.write(givingUpWhen: isLate) { records in
            // The writer may have been busy (delivery's transaction on a dead address, another
            // replica holding the lock) past the answer's deadline: nothing is written.
            if let notAfter, clock.elapsed > notAfter { throw TooLateToCommit() }
            var decided: [EngineOutcome] = []
            var earliestDue: Timestamp?
            let seen = try SeenEvents(commands.map(\.event), records: records)
            // Once more after the first statement: on PostgreSQL the write lock is taken as it
            // runs, not before the body, so another session holding it (a paused replica, a
            // table lock) held this transaction past the deadline after the check above.
            if let notAfter, clock.elapsed > notAfter { throw TooLateToCommit() }
            for command in commands {
                decided.append(try Self.decide(command, records: records, seen: seen, counts: counts, settings: settings,
                                               router: router, limiter: limiter, now: now, earliestDue: &earliestDue))
            }
            for notice in notices where try !records.isSeen(ContactMethod(notice.event.platform), eventID: notice.event.id) {
                try records.markSeen(ContactMethod(notice.event.platform), eventID: notice.event.id, at: now)
                try records.enqueue([router.reply(notice.message, to: notice.event, incident: nil, at: now)])
            }
            if let checkpoint { try records.setSyncToken(checkpoint.platform, checkpoint.token) }
            return (decided, records.queuedMethods, earliestDue)
        }
        counts.commit()
        BotMetrics.eventsPerTransaction(commands.count + notices.count)
        for (command, outcome) in zip(commands, decided) {
            outcomes[command.index] = outcome
            BotMetrics.command(outcome.disposition)
            // Metadata given with the message is built only when debug is logged.
            logger.debug("event \(outcome.disposition.rawValue)", metadata: Self.metadata(command.event, outcome))
        }
        // Only the loops of the methods something was queued on: a post in a room wakes no
        // mail, text, call or PagerDuty loop (`WakeSignal.fire(for:)`).
        deliveryWake.fire(for: queued)
        if let earliestDue { schedulerWake.fire(unlessAwakeBy: earliestDue) }
        return outcomes
    }

    static func metadata(_ event: ChatEvent, _ outcome: EngineOutcome) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["platform": "\(event.platform)", "event.id": "\(event.id)"]
        if let incident = outcome.incident { metadata["incident.id"] = "INC-\(incident)" }
        return metadata
    }

    /// A command in a batch: where it is, what was typed, who typed it, and the per-person
    /// limit it counts against.
    struct TypedCommand: Sendable {
        var index: Int
        var event: ChatEvent
        var parsed: Result<ParsedCommand, CommandError>
        var actor: PersonID
        /// The per-person limit it counts against (commands', or pin changes').
        var limiter: CommandLimiter
    }

    /// One event inside the batch's transaction: dedupe by its id, decide (unless its sender is
    /// over the limit), queue the reply. A refusal posted where the whole room reads it is
    /// shown at most once a room a minute per person not on the roster: a stranger cannot make the
    /// bot fill a room with refusals, and a responder fixing typos under pressure hears each.
    /// `earliestDue`: lowered to the earliest next due time of the incidents the command wrote.
    static func decide(_ command: TypedCommand, records: any IncidentRecords, seen: SeenEvents, counts: CountsInTransaction,
                       settings: EngineSettings, router: OutboxRouter, limiter: CommandLimiter, now: Timestamp,
                       earliestDue: inout Timestamp?) throws -> EngineOutcome {
        let event = command.event
        guard try seen.markNew(event, at: now) else { return EngineOutcome(.duplicate) }
        var outcome: EngineOutcome
        // Counted only once known to be new: a platform's resend of an event already carried
        // out must not spend its sender's limit, or a burst resent after a reconnect could push
        // a command not yet seen over it.
        // A command that stops or steers paging (`Command.movesPaging`: `/ack`, `/ic`,
        // `/incident mitigated`, `/update`) from someone on the roster is carried out past the
        // limit, up to twice it: a responder who hit the limit with notes must not
        // acknowledge, name the IC or post the update into silence while the ladder climbs on.
        // It still counts; a stranger's is limited like any command.
        let steersPaging = if case .success(let parsed) = command.parsed { parsed.command.movesPaging && settings.roster.lists(command.actor) } else { false }
        let verdict = command.limiter.admit(event.platform, event.user, at: now, into: counts, exempt: steersPaging)
        switch verdict {
        case .allowed, .exempted:
            var decider = Decider(records: records, settings: settings, router: router, event: event, actor: command.actor, now: now)
            outcome = try decider.decide(command.parsed)
            if let due = decider.earliestDueWritten { earliestDue = min(earliestDue ?? due, due) }
            // Past the limit, a refused one ("nothing to acknowledge") is not answered: a loop
            // of them must not fill the room.
            if verdict == .exempted, outcome.disposition == .refused { outcome.reply = nil }
        case .slowDown(let until):
            outcome = EngineOutcome(.refused, reply: .refusal(
                "Slow down: you sent more than \(settings.commandsPerMinute) commands in a minute. "
                    + "Commands you send before \(settings.policy.timeZone.secondClockTime(until)) are ignored."))
        case .ignored(let until):
            // A slash command's answer is the sender's alone: an empty one read as if it
            // went through. In a room, silence (a loop must not fill it).
            guard event.reply == .inline else { return EngineOutcome(.ignored) }
            return EngineOutcome(.ignored, reply: .refusal(
                "Not carried out: you sent more than \(settings.commandsPerMinute) commands in a minute. "
                    + "Send it again after \(settings.policy.timeZone.secondClockTime(until))."))
        }
        if outcome.disposition == .refused, event.reply == .outboxToRoom, !settings.roster.lists(command.actor),
           !limiter.showsRefusal(event.platform, event.user, in: event.room, at: now, in: counts) {
            outcome.reply = nil
        }
        if event.reply == .inline, let reply = outcome.reply {
            outcome.reply = try namingRoomsAsMade(reply, on: event.platform, records: records)
        }
        if event.reply != .inline, let reply = outcome.reply {
            try records.enqueue([router.reply(reply, to: event, incident: outcome.incident, at: now)])
        }
        return outcome
    }

    /// A reply the adapter shows itself, with each room it names as that room was made on the
    /// platform: a room made under another name (the incident turned private before its room
    /// was made, or the name was taken there) is named as made, as delivery names it in what
    /// goes through the outbox. One indexed read a room named; none for most replies.
    static func namingRoomsAsMade(_ reply: Message, on platform: Platform, records: any IncidentRecords) throws -> Message {
        var made: [String: String] = [:]
        for case .room(let asked) in reply.lines.joined() where made[asked] == nil {
            if let name = try records.renamedRoom(platform, asked: asked) { made[asked] = name }
        }
        return reply.renamingRooms(made)
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
            let skipping = unreadableIncidents.withLock { $0 }
            let (dueTimes, unreadable, found) = try await store.write { records in
                let due = try records.incidentsDue(at: now, limit: batch, skipping: skipping)
                for stored in due.incidents {
                    let decision = stored.incident.tick(at: now, roster: roster)
                    try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
                }
                return (due.incidents.compactMap(\.incident.nextDue), due.unreadable, due.count)
            }
            setAside(unreadable)
            // Lag is counted once committed: what fired is durable, and its messages queued.
            let committed = clock.now
            for dueAt in dueTimes { BotMetrics.schedulerLag(committed - dueAt) }
            ticked += dueTimes.count
            if found < batch { break }
        }
        if ticked > 0 {
            logger.info("fired due reminders and pages", metadata: ["incidents": "\(ticked)"])
            deliveryWake.fire()
        }
        return ticked
    }

    /// Moves open incidents' unanswered pages to whom the roster names now
    /// (`Incident.handOverToTheRoster`): run as the scheduler starts, the roster being read
    /// when the bot starts. Returns how many incidents moved a page.
    @discardableResult
    public func handOverToTheRoster() async throws -> Int {
        let now = clock.now
        let roster = settings.roster
        let router = router
        let moved = try await store.write { records in
            var moved: [String] = []
            for stored in try records.openIncidents() {
                guard let decision = stored.incident.handOverToTheRoster(at: now, roster: roster) else { continue }
                try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
                moved.append(stored.incident.id)
            }
            return moved
        }
        if !moved.isEmpty {
            logger.notice("the roster names others for levels open incidents paged; their pages move to them",
                          metadata: ["incidents": "\(moved.joined(separator: ", "))"])
            deliveryWake.fire()
        }
        return moved.count
    }

    /// When the scheduler should next wake: the earliest due time of any incident it can read.
    public func nextDue() async throws -> Timestamp? {
        let skipping = unreadableIncidents.withLock { $0 }
        return try await store.read { try $0.earliestDue(skipping: skipping) }
    }

    /// Leaves `unreadable` incidents out of the scheduler from now on, each logged as an error.
    func setAside(_ unreadable: [UnreadableIncident]) {
        guard !unreadable.isEmpty else { return }
        unreadableIncidents.withLock { set in for incident in unreadable { set.insert(incident.number) } }
        for incident in unreadable {
            logger.error("an incident's stored row cannot be read; its reminders and pages are skipped until a version that reads it runs",
                         metadata: ["incident": "INC-\(incident.number)", "reason": "\(incident.reason)"])
        }
    }

    /// Forgets platform event ids older than the retention period.
    @discardableResult
    public func pruneSeenEvents() async throws -> Int {
        let cutoff = clock.now - settings.seenRetention
        return try await store.write { try $0.pruneSeen(before: cutoff) }
    }
}

extension Engine {
    /// Whether `room` is an incident's room on `platform`: an adapter asks before it reads
    /// anything more about an event there.
    public func isIncidentRoom(_ platform: Platform, _ room: String) async throws -> Bool {
        try await store.read { try $0.incident(platform: platform, roomID: room) != nil }
    }

    /// Which of `rooms` are incident rooms on `platform`.
    public func incidentRooms(_ platform: Platform, among rooms: Set<String>) async throws -> Set<String> {
        try await store.read { records in try rooms.filter { try records.incident(platform: platform, roomID: $0) != nil } }
    }
}
