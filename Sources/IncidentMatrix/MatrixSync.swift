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
        /// Waits after a failed call to the homeserver, doubling up to a ceiling.
        public var retry: Backoff
        /// The most messages fetched per room to fill a gap in a cut-short timeline.
        public var gapLimit: Int
        /// The reaction that puts a message on the incident's timeline; empty: none does.
        public var timelineReaction: String

        public init(timeout: Duration = .seconds(30), allowInvitesFrom: [String] = [], retry: Backoff = Backoff(first: .seconds(1), ceiling: .seconds(60)),
                    gapLimit: Int = 5_000, timelineReaction: String = "📌") {
            self.timeout = timeout
            self.gapLimit = gapLimit
            self.allowInvitesFrom = allowInvitesFrom
            self.retry = retry
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
    let toldOutsiders = Mutex(OutsiderNotices())
    /// Rooms being joined, so an invitation seen again is not joined twice, and the joins
    /// going on in the background, ended with the loop.
    let joining = Mutex<Set<String>>([])
    let joinTasks = Mutex<[String: Task<Void, Never>]>([:])
    /// Told of each sync's outcome, for readiness.
    let health: MatrixSyncHealth
    public init(client: MatrixClient, engine: Engine<Clock>, settings: Settings = Settings(), health: MatrixSyncHealth = MatrixSyncHealth(),
                logger: Logger) {
        self.client = client
        self.health = health
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
            self.logger.info("Matrix sync started", metadata: ["user": "\(me)", "homeserver": "\(self.client.homeserver)"])
            var since = try await self.engine.store.read { try $0.syncToken(.matrix) }
            // On a first start, messages sent before now are history even if a homeserver's
            // cached initial sync hands back an older position. origin_server_ts is the
            // homeserver's wall clock, so this compares with the live clock, not the bot's
            // (injected) one.
            let historyBefore = since == nil ? LiveClock().now.secondsSinceEpoch * 1_000 : nil
            while !Task.isCancelled {
                let current = since
                let batch = try await self.retrying("sync") { () async throws(MatrixError) in
                    do throws(MatrixError) {
                        let next = try await self.syncOnce(since: current, me: me, historyBefore: historyBefore)
                        self.health.succeeded()
                        return next
                    } catch {
                        self.health.failed("\(error)")
                        throw error
                    }
                }
                guard let batch else { return }
                since = batch
            }
        }
    }

    /// One `/sync` and its batch committed; returns the new since-token.
    func syncOnce(since: String?, me: String, historyBefore: Int64?) async throws(MatrixError) -> String {
        var query = ["filter": matrixSyncFilter, "timeout": since == nil ? "0" : "\(settings.timeout.components.seconds * 1_000)"]
        if let since { query["since"] = since }
        let answer = try await client.call(.GET, "sync", query: query, timeout: settings.timeout + .seconds(30))
        guard let next = answer["next_batch"]?.string else { throw .unavailable("sync answered without next_batch") }
        await acceptInvitations(answer["rooms"]?["invite"]?.object ?? [:], me: me)
        let events: (commands: [ChatEvent], unreadable: [ChatEvent])
        var rooms: [String: [JSONValue]] = [:]
        if let since {
            rooms = try await timelines(answer, since: since, me: me)
            events = Self.commands(in: rooms, me: me, sentAfter: historyBefore)
        } else {
            let skipped = (answer["rooms"]?["join"]?.object ?? [:]).values.reduce(0) { $0 + ($1["timeline"]?["events"]?.array?.count ?? 0) }
            logger.notice("Matrix first start: earlier messages are not acted on", metadata: ["messages": "\(skipped)"])
            events = ([], [])
        }
        // An encrypted room is told the bot cannot read it (a command typed there would
        // otherwise vanish without a word), through the outbox with the batch: on joining it,
        // and on an encrypted message at most once an hour per room.
        let now = engine.clock.now
        let told = toldEncrypted.withLock { $0 }
        var unreadable: [ChatEvent] = []
        for event in events.unreadable
        where !unreadable.contains(where: { $0.room == event.room }) && told[event.room].map({ now - $0 >= .seconds(3_600) }) ?? true {
            unreadable.append(event)
        }
        // Commands from accounts the bot does not serve change nothing; the sender is told why.
        let community = engine.settings.community
        let commands = events.commands.filter { community.serves(.matrix, account: $0.user) }
        let refused = events.commands.filter { !community.serves(.matrix, account: $0.user) }
        let outsiders = refused.isEmpty ? [] : toldOutsiders.withLock { $0.select(refused, now: now) }
        let notices = unreadable.map { Notice(matrixEncryptedRoomNotice, answering: $0) }
            + outsiders.map { Notice(Self.outsiderNotice($0.user, community: community), answering: $0) }
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
        for event in outsiders {
            logger.notice("refused a Matrix command from outside matrix.allow_commands_from", metadata: ["sender": "\(event.user)"])
        }
        for event in unreadable {
            toldEncrypted.withLock { $0[event.room] = now }
            logger.warning("a Matrix room is end-to-end encrypted; commands typed there cannot be read", metadata: ["room": "\(event.room)"])
        }
        return next
    }

    /// Each joined room's timeline in a sync answer, oldest first. A timeline cut short
    /// (`limited`: more messages arrived since `since` than the filter's limit, as after the bot
    /// was down during a busy incident) is completed from `/rooms/{room}/messages`, paging back
    /// from its `prev_batch` to `since`, so no command in the gap is skipped.
    ///
    /// A room the bot has just joined comes with the history before it, whatever `since` says:
    /// that is cut where the bot was invited (`sinceArriving`), so a command typed there weeks
    /// ago (a declaration, an `!ack`) is not run when the bot is invited back, while one typed
    /// between the invitation and the join, meant for the bot, is.
    func timelines(_ answer: JSONValue, since: String, me: String) async throws(MatrixError) -> [String: [JSONValue]] {
        var rooms: [String: [JSONValue]] = [:]
        for (room, joined) in answer["rooms"]?["join"]?.object ?? [:] {
            let timeline = joined["timeline"]
            var events = timeline?["events"]?.array ?? []
            if timeline?["limited"]?.bool == true, let gapEnd = timeline?["prev_batch"]?.string,
               !events.contains(where: { Self.isArrival($0, me: me) }) {
                let known = Set(events.compactMap { $0["event_id"]?.string })
                do {
                    let missed = try await messages(in: room, before: gapEnd, after: since, me: me)
                    events = missed.filter { !known.contains($0["event_id"]?.string ?? "") } + events
                    logger.info("Matrix sync fetched the messages a busy room's timeline left out",
                                metadata: ["room": "\(room)", "messages": "\(missed.count)"])
                } catch where error.code != nil {
                    // The homeserver refuses (not a transient failure, which is retried with
                    // the whole sync): one room's gap must not stall every room's commands.
                    logger.warning("Matrix sync cannot fetch a busy room's missed messages; commands among them are not run",
                                   metadata: ["room": "\(room)", "reason": "\(error)"])
                }
            }
            rooms[room] = Self.sinceArriving(events, me: me)
        }
        return rooms
    }

    /// A timeline from where the bot arrived in the room on: after its invitation when the
    /// timeline holds the invitation before its last join (what was said between was said to
    /// the bot, whatever the join's `prev_content` says, which is optional); after the join
    /// when it came without one (a room the bot made); the whole timeline when the bot joined
    /// before it, or was invited before it began.
    static func sinceArriving(_ timeline: [JSONValue], me: String) -> [JSONValue] {
        guard let join = timeline.lastIndex(where: { isOwnMember($0, me: me, "join") && previousMembership($0) != "join" }) else {
            return timeline
        }
        if let invite = timeline[..<join].lastIndex(where: { isOwnMember($0, me: me, "invite") }) {
            return Array(timeline[(invite + 1)...])
        }
        return previousMembership(timeline[join]) == "invite" ? timeline : Array(timeline[(join + 1)...])
    }

    /// Whether `event` is where the bot arrived in its room, what came before being history:
    /// its invitation, or a join without one. Where the sync's timeline holds one, no gap
    /// before it is fetched, and a gap's fetch stops at one.
    static func isArrival(_ event: JSONValue, me: String) -> Bool {
        isOwnMember(event, me: me, "invite")
            || (isOwnMember(event, me: me, "join") && !["join", "invite"].contains(previousMembership(event) ?? ""))
    }

    static func isOwnMember(_ event: JSONValue, me: String, _ membership: String) -> Bool {
        event["type"]?.string == "m.room.member" && event["state_key"]?.string == me && event["content"]?["membership"]?.string == membership
    }

    static func previousMembership(_ event: JSONValue) -> String? {
        event["unsigned"]?["prev_content"]?["membership"]?.string
    }

    /// The room's messages between two positions, oldest first: `GET /rooms/{room}/messages`
    /// backwards from `before` down to `after`, a page of 100 at a time, stopping where the bot
    /// arrived in the room (what came before is history). A gap of over `gapLimit` messages
    /// is cut at its newest `gapLimit` (logged): a command typed that long ago in a room that
    /// busy is stale.
    func messages(in room: String, before: String, after: String, me: String) async throws(MatrixError) -> [JSONValue] {
        var newestFirst: [JSONValue] = []
        var from = before
        while newestFirst.count < settings.gapLimit {
            let page = try await client.call(.GET, "rooms/\(MatrixClient.segment(room))/messages", query: [
                "dir": "b", "from": from, "to": after, "limit": "100", "filter": matrixGapFilter,
            ])
            let chunk = page["chunk"]?.array ?? []
            newestFirst += chunk
            if chunk.contains(where: { Self.isArrival($0, me: me) }) { return newestFirst.reversed() }
            guard let end = page["end"]?.string, !chunk.isEmpty, end != from else { return newestFirst.reversed() }
            from = end
        }
        logger.warning("Matrix sync gap too long; older messages in it are not run",
                       metadata: ["room": "\(room)", "kept": "\(settings.gapLimit)"])
        return newestFirst.prefix(settings.gapLimit).reversed()
    }

    /// Joins rooms the bot is invited to by an allowed inviter; declines the rest. A join is
    /// tried once before the batch is committed (at most `inlineJoins` a batch, `joinTimeout`
    /// each), so one that succeeds is done before the sync position that carried its
    /// invitation is kept. One that fails for now (a room on a federated server that is down)
    /// goes on in the background (`join`) and holds up no command; declines go in the
    /// background too, at most `declinesPerBatch` a batch, so invitations from a slow server
    /// cannot slow an `!ack`.
    func acceptInvitations(_ invites: [String: JSONValue], me: String) async {
        var declines: [String] = []
        var inline = 0
        for (room, invite) in invites.sorted(by: { $0.key < $1.key }) {
            let inviter = Self.inviter(invite, me: me)
            if Self.allows(inviter, me: me, list: settings.allowInvitesFrom) {
                guard joining.withLock({ $0.insert(room).inserted }) else { continue }
                let encrypted = invite["invite_state"]?["events"]?.array?.contains { $0["type"]?.string == "m.room.encryption" } == true
                inline += 1
                if inline <= Self.inlineJoins, await joinOnce(room, inviter: inviter, encrypted: encrypted, attempt: 1) {
                    _ = joining.withLock { $0.remove(room) }
                    continue
                }
                let from = inline <= Self.inlineJoins ? 2 : 1
                // Made under the lock its own end takes, so it is never kept after it ended.
                joinTasks.withLock { $0[room] = Task { await self.join(room, inviter: inviter, encrypted: encrypted, from: from) } }
            } else {
                logger.warning("declined a Matrix invitation from outside matrix.allow_invites_from",
                               metadata: ["room": "\(room)", "inviter": "\(inviter)"])
                declines.append(room)
            }
        }
        guard !declines.isEmpty else { return }
        let client = client
        Task {
            for room in declines.prefix(Self.declinesPerBatch) {
                _ = try? await client.call(.POST, "rooms/\(MatrixClient.segment(room))/leave", body: [:], timeout: .seconds(5))
            }
        }
    }

    /// Joins `room` in the background from its `from`th attempt, with backoff between. Ended
    /// with the sync loop (a leader standing down): the invitation is left as it is.
    func join(_ room: String, inviter: String, encrypted: Bool, from first: Int) async {
        defer {
            _ = joining.withLock { $0.remove(room) }
            _ = joinTasks.withLock { $0.removeValue(forKey: room) }
        }
        for attempt in first...Self.joinAttempts {
            if attempt > 1 { try? await engine.clock.sleep(for: settings.retry.delay(afterFailures: attempt - 1)) }
            if Task.isCancelled { return }
            if await joinOnce(room, inviter: inviter, encrypted: encrypted, attempt: attempt) { return }
        }
    }

    /// One try at joining `room`: true when it is done with (joined, or given up: the
    /// homeserver refused, or this was the last attempt, and the invitation was rejected so
    /// that inviting the bot again is a new invitation the next sync brings). An encrypted
    /// room is told at once that the bot cannot read it.
    func joinOnce(_ room: String, inviter: String, encrypted: Bool, attempt: Int) async -> Bool {
        let path = MatrixClient.segment(room)
        do {
            _ = try await client.call(.POST, "join/\(path)", body: [:], timeout: Self.joinTimeout)
            logger.info("joined a Matrix room on invitation", metadata: ["room": "\(room)", "inviter": "\(inviter)"])
            if encrypted { await tellEncrypted(room, inviter: inviter) }
            return true
        } catch {
            if Task.isCancelled { return true }
            guard error.code == nil, attempt < Self.joinAttempts else {
                logger.warning("cannot join a Matrix room; invite the bot again", metadata: ["room": "\(room)", "reason": "\(error)"])
                _ = try? await client.call(.POST, "rooms/\(path)/leave", body: [:], timeout: .seconds(5))
                return true
            }
            if attempt == 1 {
                logger.warning("cannot join a Matrix room for now; trying again", metadata: ["room": "\(room)", "reason": "\(error)"])
            }
            return false
        }
    }

    /// Tells a room the bot just joined that it is end-to-end encrypted, through the outbox
    /// (at most once an hour a room, as for an encrypted message).
    func tellEncrypted(_ room: String, inviter: String) async {
        let now = engine.clock.now
        guard toldEncrypted.withLock({ $0[room].map { now - $0 >= .seconds(3_600) } ?? true }) else { return }
        let event = ChatEvent(platform: .matrix, id: "joined \(room) at \(now.secondsSinceEpoch)", room: room, user: inviter, text: "",
                              reply: .outboxToRoom)
        do {
            _ = try await engine.handle([], checkpoint: nil, notices: [Notice(matrixEncryptedRoomNotice, answering: event)])
            toldEncrypted.withLock { $0[room] = now }
            logger.warning("a Matrix room is end-to-end encrypted; commands typed there cannot be read", metadata: ["room": "\(room)"])
        } catch {
            logger.error("cannot tell a Matrix room it is encrypted: the store failed", metadata: ["room": "\(room)", "error": "\(error)"])
        }
    }

    /// The most invitations declined (left) per sync batch; the rest stay invitations, which
    /// change nothing.
    static var declinesPerBatch: Int { 20 }
    /// How many times a join that fails for now is tried, with the sync's backoff between
    /// (1 s doubling: about two minutes in all).
    static var joinAttempts: Int { 8 }
    /// The joins tried before a batch is committed, and how long each may take.
    static var inlineJoins: Int { 3 }
    static var joinTimeout: Duration { .seconds(5) }

    /// Who invited the bot, read from the bot's own `m.room.member` invite event, which the
    /// homeserver puts last in `invite_state`, after the stripped state the inviting server
    /// sent along. That stripped state is the remote server's word and may hold a forged
    /// member event for the bot naming someone else, so the last one counts, not the first.
    static func inviter(_ invite: JSONValue, me: String) -> String {
        invite["invite_state"]?["events"]?.array?.last {
            $0["type"]?.string == "m.room.member" && $0["state_key"]?.string == me
                && $0["content"]?["membership"]?.string == "invite"
        }?["sender"]?.string ?? ""
    }

    /// What a sender outside `matrix.allow_commands_from` is told.
    static func outsiderNotice(_ sender: String, community: Community) -> Message {
        Message(.text("incident-bot takes commands only from accounts on \(community.matrixDescription); "),
                .userText(sender), .text(" is not one, so nothing was changed."))
    }

    /// Whether `inviter` may invite the bot: listed by id or by server; with an empty list,
    /// anyone on the bot's own server.
    static func allows(_ inviter: String, me: String, list: [String]) -> Bool {
        let server = MatrixTransport.serverName(inviter)
        guard inviter.hasPrefix("@"), inviter.contains(":") else { return false }
        if list.isEmpty { return server == MatrixTransport.serverName(me) }
        return list.contains(inviter) || list.contains(server)
    }

    /// The commands in a sync answer, in the order they were sent (`inTimeOrder`): text
    /// messages starting with `!` or `/` from anyone but the bot, edits excluded. Also, per room, the first
    /// encrypted message from someone else (the bot cannot read those), as an empty event.
    static func commands(in timelines: [String: [JSONValue]], me: String, sentAfter: Int64? = nil)
        -> (commands: [ChatEvent], unreadable: [ChatEvent]) {
        var events: [ChatEvent] = []
        var unreadable: [ChatEvent] = []
        for (room, event) in inTimeOrder(timelines) {
            guard let id = event["event_id"]?.string, let sender = event["sender"]?.string, sender != me else { continue }
            if let sentAfter, let sent = event["origin_server_ts"]?.int, Int64(sent) < sentAfter { continue }
            if event["type"]?.string == "m.room.encrypted", !unreadable.contains(where: { $0.room == room }) {
                unreadable.append(ChatEvent(platform: .matrix, id: id, room: room, user: sender, text: "", reply: .outboxToRoom))
            }
            guard event["type"]?.string == "m.room.message",
                  let content = event["content"], content["msgtype"]?.string == "m.text",
                  content["m.relates_to"]?["rel_type"]?.string != "m.replace",
                  let body = content["body"]?.string else { continue }
            let text = commandText(body, html: content["format"]?.string == "org.matrix.custom.html"
                                   ? content["formatted_body"]?.string : nil)
            guard let first = text.first(where: { !$0.isWhitespace }), first == "!" || first == "/" else { continue }
            events.append(ChatEvent(platform: .matrix, id: id, room: room, user: sender, text: text, reply: .outboxToRoom))
        }
        return (events, unreadable)
    }

    /// The events of every room in one sequence, in the order they were sent: each room's in
    /// its own timeline's order (the homeserver's), the rooms interleaved by `origin_server_ts`
    /// (ties, and events without one, by room id). After downtime a batch holds several rooms'
    /// commands, and an `!ic INC-5` typed in one room after INC-5 was declared in another must
    /// be decided after the declaration, whatever the rooms' ids.
    static func inTimeOrder(_ timelines: [String: [JSONValue]]) -> [(room: String, event: JSONValue)] {
        var rooms = timelines.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { (room: $0.key, events: $0.value[...]) }
        var merged: [(room: String, event: JSONValue)] = []
        merged.reserveCapacity(rooms.reduce(0) { $0 + $1.events.count })
        while true {
            var next: Int?
            for index in rooms.indices {
                guard let head = rooms[index].events.first else { continue }
                guard let best = next, let bestHead = rooms[best].events.first else { next = index; continue }
                if (head["origin_server_ts"]?.int ?? Int.max) < (bestHead["origin_server_ts"]?.int ?? Int.max) { next = index }
            }
            guard let index = next else { return merged }
            merged.append((rooms[index].room, rooms[index].events.removeFirst()))
        }
    }

    /// The text a command is read from: the plain body, with each pill of the HTML body (which
    /// clients show as the person's display name) replaced by the Matrix id it links to.
    ///
    /// Bounded in the text: the HTML is read once from left to right, each label is looked
    /// for in the body after the previous one (pills come in the same order in both), no more
    /// than `pillLimit` pills are read (no command names that many people), no label longer
    /// than a display name may be (`pillLabelLimit`), and the searches together compare at
    /// most `pillSearchBudget` characters' worth (a search for a near-miss label can cost the
    /// body's length times the label's). Only a body that reads as a command is searched at
    /// all: anyone in a room can send the bot a message.
    static func commandText(_ body: String, html: String?) -> String {
        guard let html, html.contains("https://matrix.to/#/"),
              let first = body.first(where: { !$0.isWhitespace }), first == "!" || first == "/" else { return body }
        var text = ""
        var unread = Substring(body)
        var rest = Substring(html)
        var pills = 0
        var searched = 0
        while pills < pillLimit, let start = rest.range(of: "<a href=\"https://matrix.to/#/") {
            pills += 1
            rest = rest[start.upperBound...]
            guard let quote = rest.firstIndex(of: "\""), let open = rest[quote...].firstIndex(of: ">"),
                  let close = rest[open...].range(of: "</a>") else { break }
            let target = String(rest[..<quote]).removingPercentEncoding ?? String(rest[..<quote])
            let label = rest[rest.index(after: open)..<close.lowerBound]
            rest = rest[close.upperBound...]
            guard target.hasPrefix("@"), !label.isEmpty, label.utf8.count <= pillLabelLimit else { continue }
            searched += unread.utf8.count * label.utf8.count
            guard searched <= pillSearchBudget else { break }
            guard let found = unread.range(of: label) else { continue }
            text += unread[..<found.lowerBound]
            text += target
            unread = unread[found.upperBound...]
        }
        return text + unread
    }

    static var pillLimit: Int { 32 }
    /// Synapse's limit on a display name, in bytes: a longer label names nobody.
    static var pillLabelLimit: Int { 256 }
    /// The most body-characters-times-label-characters the pills' searches may cost a
    /// message: a few milliseconds; an ordinary command with a few pills costs thousands.
    static var pillSearchBudget: Int { 4_000_000 }

    /// Runs `body` until it succeeds, waiting with backoff after each failure; nil when the
    /// service is shutting down.
    func retrying<T: Sendable>(_ what: String, _ body: () async throws(MatrixError) -> T) async throws -> T? {
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
                var wait = settings.retry.delay(afterFailures: failures)
                if case .rateLimited(let after?) = error { wait = max(wait, after) }
                let log = error.isSetupError || failures == 1 || failures % 10 == 0
                if log {
                    logger.log(level: error.isSetupError ? .error : .warning, "Matrix \(what) failed; retrying",
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

/// The `/messages` filter for a sync gap: the same events as the sync's timeline.
let matrixGapFilter: String = JSONValue.object(["types": .array(matrixTimelineTypes.map(JSONValue.string))]).text

/// The event types the bot reads from rooms' timelines.
let matrixTimelineTypes = ["m.room.message", "m.room.encrypted", "m.reaction", "m.room.redaction", "m.room.member"]

/// What the bot says in an end-to-end encrypted room, whose messages it cannot read.
let matrixEncryptedRoomNotice = Message(
    .text("🔒 This room is end-to-end encrypted, and incident-bot cannot read encrypted messages: commands typed here are not run. "),
    .text("Type them in a room without encryption (in Element, turn encryption off when you create the room), "),
    .text("such as the incident's own room."))
