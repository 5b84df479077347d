import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentWire
import Logging
import ServiceLifecycle
import Synchronization

/// The inbound half of Matrix: long-polls `/sync` as the bot's user and hands each batch's
/// commands to the engine in ONE transaction with the batch's `next_batch` token, so a crash
/// either redoes a whole batch (whose event ids are then already seen) or none of it.
///
/// The first start (no stored token) takes the token without acting on the history before it.
/// Invitations from allowed inviters are joined before the batch is committed; others are
/// declined.
public final class MatrixSync<Clock: IncidentClock>: Service, Sendable {
    public struct Settings: Sendable {
        /// How long the homeserver may hold a `/sync` open.
        public var timeout: Duration
        /// Who may invite the bot: Matrix ids (`@alice:example.org`) or server names
        /// (`example.org`); empty allows the bot's own server only.
        public var allowInvitesFrom: [String]
        /// Waits after a failed call to the homeserver (`Backoff.reconnection`).
        public var retry: Backoff
        /// Waits after a setup error (a token refused, a login the homeserver refuses; each
        /// logged as an error, and only the operator fixes those), and between the tries of a
        /// join that fails for now (about two minutes in all): `Backoff.slowReconnection`.
        public var slowRetry: Backoff
        /// The most messages fetched per room to fill a gap in a cut-short timeline.
        public var gapLimit: Int
        /// The reaction that puts a message on the incident's timeline; empty: none does.
        public var timelineReaction: String

        public init(timeout: Duration = .seconds(30), allowInvitesFrom: [String] = [], retry: Backoff = .reconnection,
                    slowRetry: Backoff = .slowReconnection, gapLimit: Int = 5_000, timelineReaction: String = "📌") {
            self.timeout = timeout
            self.gapLimit = gapLimit
            self.allowInvitesFrom = allowInvitesFrom
            self.retry = retry
            self.slowRetry = slowRetry
            self.timelineReaction = timelineReaction
        }
    }

    let client: MatrixClient
    let engine: Engine<Clock>
    let settings: Settings
    let logger: Logger
    /// Encrypted rooms this process last told that it cannot read them, and when (the bot's clock).
    let toldEncrypted = Mutex<[String: Timestamp]>([:])
    /// Which refused commands from outside `matrix.allow_commands_from` are answered: at most
    /// one a room a minute, so neither a loop of commands nor a server's many accounts can
    /// flood a room.
    let toldOutsiders = Mutex(NoticeThrottle())
    /// Edits into commands answered, throttled the same way.
    let toldEditors = Mutex(NoticeThrottle())
    /// Rooms being joined, so an invitation seen again is not joined twice, and the joins
    /// going on in the background, ended with the loop.
    let joining = Mutex<Set<String>>([])
    let joinTasks = Mutex<[String: Task<Void, Never>]>([:])
    /// When a room's gap first failed for now, by room, while it keeps failing (`gapPatience`).
    let gapFailures = Mutex<[String: Timestamp]>([:])
    /// Told of each sync's outcome, for readiness.
    let health: LoopHealth
    /// Fired once the run's first sync is committed: the commands sent while the bot was down
    /// are decided (`Scheduler.backlogRead`).
    let backlogRead: WakeSignal?
    public init(client: MatrixClient, engine: Engine<Clock>, settings: Settings = Settings(), health: LoopHealth = LoopHealth("sync"),
                backlogRead: WakeSignal? = nil, logger: Logger) {
        self.client = client
        self.health = health
        self.backlogRead = backlogRead
        self.engine = engine
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            self.health.reset()
            defer {
                self.health.reset()
                for task in self.joinTasks.withLock({ Array($0.values) }) { task.cancel() }
            }
            let me = try await self.retrying("whoami") { () async throws(MatrixError) in try await self.client.whoami() }
            guard let me else { return }
            // The bot's own server, when the process started without knowing it.
            self.engine.settings.community.ownMatrixServer?.learn(Community.server(ofMatrixUser: me))
            self.engine.settings.community.ownAccounts?.learn(.matrix, account: me)
            self.logger.info("Matrix sync started", metadata: ["user": "\(me)", "homeserver": "\(self.client.homeserver)"])
            // A read that fails (a database failing over as this replica takes the lead) is
            // tried again as a failed sync is, instead of ending the whole leader term.
            guard let kept = try await self.retrying("sync position read", { try await self.engine.store.read { try $0.syncToken(.matrix) } })
            else { return }
            var since = kept
            // A sync position already kept may be past an invitation whose join was still
            // going on in the background when the last run ended: look for the ones waiting,
            // in the background, so that no command waits for it (a new leader takes over).
            if since != nil {
                self.joinTasks.withLock { $0[Self.waitingInvitations] = Task { await self.answerWaitingInvitations(me: me) } }
            }
            // On a first start, messages sent before now are history even if a homeserver's
            // cached initial sync hands back an older position. origin_server_ts is the
            // homeserver's wall clock, so this compares with the live clock, not the bot's
            // (injected) one.
            var historyBefore = since == nil ? LiveClock().now.secondsSinceEpoch * 1_000 : nil
            var first = true
            while !Task.isCancelled {
                let current = since
                // The run's first sync asks for what is there now, without waiting for more: the
                // scheduler waits for it (`backlogRead`).
                let waits = !first
                let batch = try await self.retrying("sync") { () async throws(MatrixError) in
                    do throws(MatrixError) {
                        let next = try await self.syncOnce(since: current, me: me, historyBefore: historyBefore, waits: waits)
                        self.health.succeeded()
                        return next
                    } catch where current != nil && error.refusesSyncPosition {
                        // A position this homeserver never gave (it was reset or replaced, or the
                        // database moved to another): retried, the bot read nothing ever again.
                        // What was said while it was refused cannot be told from history.
                        self.logger.error("the homeserver does not know the stored sync position; syncing from now on, and messages sent before now are not run",
                                          metadata: ["reason": "\(error)"])
                        // As on a first start: what the next batches carry from before now is history.
                        historyBefore = LiveClock().now.secondsSinceEpoch * 1_000
                        do throws(MatrixError) {
                            let next = try await self.syncOnce(since: nil, me: me, historyBefore: historyBefore)
                            self.health.succeeded()
                            return next
                        } catch {
                            self.health.failed("\(error)")
                            throw error
                        }
                    } catch {
                        self.health.failed("\(error)")
                        throw error
                    }
                }
                guard let batch else { return }
                since = batch
                if first { self.backlogRead?.fire() }
                first = false
            }
        }
    }

    /// One `/sync` and its batch committed; returns the new since-token.
    func syncOnce(since: String?, me: String, historyBefore: Int64?, waits: Bool = true) async throws(MatrixError) -> String {
        var query = ["filter": matrixSyncFilter, "timeout": since == nil || !waits ? "0" : "\(settings.timeout.components.seconds * 1_000)"]
        if let since { query["since"] = since }
        let answer = try await client.call(.GET, "sync", query: query, timeout: settings.timeout + .seconds(30))
        guard let next = answer["next_batch"]?.string else { throw .unavailable("sync answered without next_batch") }
        await acceptInvitations(answer["rooms"]?["invite"]?.object ?? [:], me: me)
        var events: (commands: [ChatEvent], unreadable: [ChatEvent], edits: [ChatEvent])
        var rooms: [String: [JSONValue]] = [:]
        if let since {
            rooms = try await timelines(answer, since: since, me: me)
            events = Self.commands(in: rooms, me: me, sentAfter: historyBefore)
            // A room the bot was removed from: its commands run, answered nowhere.
            let removed = Self.roomsRemovedFrom(answer, me: me)
            if !removed.isEmpty {
                events.commands = events.commands.map { event in
                    var event = event
                    if removed.contains(event.room) { event.reply = .inline }
                    return event
                }
                events.unreadable.removeAll { removed.contains($0.room) }
                events.edits.removeAll { removed.contains($0.room) }
            }
        } else {
            let skipped = (answer["rooms"]?["join"]?.object ?? [:]).values.reduce(0) { $0 + ($1["timeline"]?["events"]?.array?.count ?? 0) }
            logger.notice("Matrix first start: earlier messages are not acted on", metadata: ["messages": "\(skipped)"])
            events = ([], [], [])
        }
        // An encrypted room is told the bot cannot read it (a command typed there would
        // otherwise vanish without a word), through the outbox with the batch: on joining it,
        // and on an encrypted message at most once an hour per room. Only on a message from
        // an account the bot serves, in a room whose state says it is encrypted: anyone may
        // send an event of that type into any room, and an outsider's in an incident's room
        // had the bot tell its responders their commands were not run.
        let now = engine.clock.now
        let told = toldEncrypted.withLock { $0 }
        let community = engine.settings.community
        let roster = engine.settings.roster
        var unreadable: [ChatEvent] = []
        for event in events.unreadable
        where !unreadable.contains(where: { $0.room == event.room }) && told[event.room].map({ now - $0 >= .seconds(3_600) }) ?? true
            && community.serves(.matrix, account: event.user, roster: roster) {
            if await isEncrypted(event.room) { unreadable.append(event) }
        }
        // Commands from accounts the bot does not serve change nothing; the sender is told why.
        let served = events.commands.map { community.serves(.matrix, account: $0.user, roster: roster) }
        let commands = zip(events.commands, served).filter(\.1).map(\.0)
        // (Not told in a room the bot was removed from: it may not post there.)
        let refused = zip(events.commands, served).filter { !$0.1 && $0.0.reply != .inline }.map(\.0)
        let outsiders = refused.isEmpty ? [] : toldOutsiders.withLock { $0.select(refused, now: now) }
        // An edit into a command (`!sev P3` edited to `!sev P0`) would read as done in the room
        // while nothing changed: its author, if served, is told to send it again
        // (`NoticeThrottle.editsToAnswer`).
        let servedEdits = events.edits.filter { community.serves(.matrix, account: $0.user, roster: roster) }
        let (listedEdits, othersTold) = toldEditors.withLock { $0.editsToAnswer(servedEdits, roster: roster, now: now) }
        let edits = listedEdits + othersTold
        let notices = unreadable.map { Notice(matrixEncryptedRoomNotice, answering: $0) }
            + outsiders.map { Notice(Self.outsiderNotice($0.user, community: community), answering: $0) }
            + edits.map { Notice.editedCommand($0.text, answering: $0) }
        // Commands first: the pins after them read each marked message back from the
        // homeserver, and none of that may hold up a command. The batch's token goes with the
        // last transaction; a crash between the two redoes the batch, whose commands are then
        // known and skipped.
        let hasPins = Self.mayHavePins(rooms)
        do {
            let outcomes = try await engine.handle(commands, checkpoint: hasPins ? nil : SyncCheckpoint(platform: .matrix, token: next),
                                                   notices: notices)
            for (event, outcome) in zip(commands, outcomes) where outcome.disposition != .ignored {
                logger.debug("Matrix command", metadata: ["event.id": "\(event.id)", "outcome": "\(outcome.disposition.rawValue)"])
            }
        } catch {
            throw .unavailable("cannot commit the sync batch: \(error)")
        }
        if hasPins {
            let pins = try await pinEvents(in: rooms, me: me, sentAfter: historyBefore)
            do {
                _ = try await engine.handle(pins, checkpoint: SyncCheckpoint(platform: .matrix, token: next))
            } catch {
                throw .unavailable("cannot commit the sync batch's pins: \(error)")
            }
        }
        if !outsiders.isEmpty { toldOutsiders.withLock { $0.answered(outsiders, at: now) } }
        if !othersTold.isEmpty { toldEditors.withLock { $0.answered(othersTold, at: now) } }
        for event in outsiders {
            logger.notice("refused a Matrix command from outside matrix.allow_commands_from", metadata: ["sender": "\(event.user)"])
        }
        for event in unreadable {
            toldEncrypted.withLock { $0[event.room] = now }
            logger.warning("a Matrix room is end-to-end encrypted; commands typed there cannot be read", metadata: ["room": "\(event.room)"])
        }
        return next
    }

    /// Whether the room's state turns encryption on (`m.room.encryption`). When the homeserver
    /// cannot say, the room is taken as encrypted: a notice too many is the lesser mistake.
    func isEncrypted(_ room: String) async -> Bool {
        do {
            _ = try await client.call(.GET, "rooms/\(MatrixClient.segment(room))/state/m.room.encryption/")
            return true
        } catch {
            return error.code != "M_NOT_FOUND"
        }
    }

    /// What a sender outside `matrix.allow_commands_from` is told.
    static func outsiderNotice(_ sender: String, community: Community) -> Message {
        let served = community.matrixServersDescription
        return Message(.text("incident-bot takes commands only from the people it is set to serve (its roster"
                             + (served.isEmpty ? "" : " and \(served)") + "); "),
                       .userText(sender), .text(" is not one, so nothing was changed."))
    }

    /// Runs `body` until it succeeds, waiting with backoff after each failure; nil when the
    /// service is shutting down.
    func retrying<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws -> T? {
        var failures = 0
        while !Task.isCancelled {
            do {
                let value = try await body()
                if failures > 0 { logger.notice("Matrix homeserver reachable again", metadata: ["call": "\(what)"]) }
                return value
            } catch {
                if Task.isCancelled { return nil }
                failures += 1
                BotMetrics.connectionFailure(.matrix, loop: what)
                let matrixError = error as? MatrixError
                let isSetupError = matrixError?.isSetupError ?? false
                var wait = (isSetupError ? settings.slowRetry : settings.retry).delay(afterFailures: failures)
                if case .rateLimited(let after?) = matrixError { wait = max(wait, after) }
                if isSetupError || failures == 1 || failures % 10 == 0 {
                    logger.log(level: isSetupError ? .error : .warning, "Matrix \(what) failed; retrying",
                               metadata: ["reason": "\(error)", "failures": "\(failures)", "retry.in": "\(DurationText.format(wait))"])
                }
                try? await engine.clock.sleep(for: wait)
            }
        }
        return nil
    }
}

/// The `/sync` filter, serialized once: room messages (and encrypted ones, to say it cannot
/// read them), reactions and redactions (a timeline from pins), and membership (where the bot
/// arrived in a room: what came before is history) only, no presence, receipts, typing or state.
let matrixSyncFilter: String = JSONValue.object([
    "presence": ["types": []],
    "account_data": ["types": []],
    "room": [
        "timeline": ["types": .array(matrixTimelineTypes.map(JSONValue.string)), "limit": 100],
        "state": ["types": []],
        "ephemeral": ["types": []],
        "account_data": ["types": []],
    ],
]).text

/// The filter of the sync that lists the invitations waiting at start: no timeline, state or
/// anything else of the rooms the bot is in.
let matrixInvitationsFilter: String = JSONValue.object([
    "presence": ["types": []],
    "account_data": ["types": []],
    "room": [
        "timeline": ["limit": 0],
        "state": ["types": []],
        "ephemeral": ["types": []],
        "account_data": ["types": []],
    ],
]).text

/// The `/messages` filter for a sync gap: the same events as the sync's timeline.
let matrixGapFilter: String = JSONValue.object(["types": .array(matrixTimelineTypes.map(JSONValue.string))]).text

/// The event types the bot reads from rooms' timelines.
let matrixTimelineTypes = ["m.room.message", "m.room.encrypted", "m.reaction", "m.room.redaction", "m.room.member"]

/// What the bot says in an end-to-end encrypted room, whose messages it cannot read.
let matrixEncryptedRoomNotice = Message(
    .text("🔒 This room is end-to-end encrypted, and incident-bot cannot read encrypted messages: commands typed here are not run. "),
    .text("Type them in a room without encryption (in Element, turn encryption off when you create the room), "),
    .text("such as the incident's own room."))
