import Crypto
import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentPolicy
import IncidentWire
import Logging
import Synchronization

/// The outbound half of Matrix: carries out outbox jobs with Client-Server API calls.
///
/// Exactly once: every message is `PUT .../send/m.room.message/{txnId}` with the job's
/// `sendKey` as the txnId, so the homeserver shows a retried send once. An incident room is
/// created with that key in its `m.room.create` content; a retry that finds its alias taken by
/// a room carrying the same key takes that room instead of making a second one. The send key,
/// not the bare outbox key: a database restored from a backup numbers its next incident as the
/// lost one did, and the homeserver keeps txnIds for a while (Synapse, half an hour or more),
/// so that incident's page in the same direct room would have been dropped as a repeat.
public final class MatrixTransport: ChatTransport {
    public let platform = Platform.matrix
    /// A repeat carries the same txnId, which the homeserver drops.
    public var sendsAhead: Bool { true }
    /// Rooms a message names are matrix.to links in its HTML (`MatrixFormat.span`).
    public var linksRooms: Bool { true }
    let client: MatrixClient
    let logger: Logger
    /// The power level the declarer, the IC and the roles get in an incident room: enough to
    /// change its topic and name and to invite (`state_default`, `invite`), not who may join
    /// it, its address or its power levels (`incidentRoomPowers`).
    static let responderPowerLevel = 50
    /// An incident room's power levels beyond the creator's, given as the room is made (no
    /// `users`: room version 12 refuses the creator there). The preset leaves who may join, the
    /// room's address and guests to the responder level, and anyone may invite: one click in a
    /// client turned a private incident's room public. Here they need the bot's 100, and
    /// inviting needs a responder. Synapse replaces `events` whole, so the preset's are repeated.
    static let incidentRoomPowers: JSONValue = [
        "invite": 50,
        "state_default": 50,
        "events": [
            "m.room.name": 50, "m.room.topic": 50, "m.room.avatar": 50, "m.room.pinned_events": 50,
            "m.room.power_levels": 100, "m.room.history_visibility": 100, "m.room.canonical_alias": 100,
            "m.room.join_rules": 100, "m.room.guest_access": 100, "m.room.tombstone": 100,
            "m.room.server_acl": 100, "m.room.encryption": 100,
        ],
    ]
    /// The key in an incident room's `m.room.create` content that holds the job's send key.
    static let creationKey = "io.github.incident-bot.job"
    let state = Mutex(State())

    struct State {
        var me: String?
        /// The bot's `m.direct` account data, once read: Matrix id -> DM room ids.
        var direct: [String: [String]]?
        /// Room aliases (`#incidents:example.org`) resolved to room ids.
        var aliases: [String: String] = [:]
    }

    public init(client: MatrixClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt {
        try await delivering(job, logger: logger,
                             fix: "the homeserver refuses the bot's access token; fix MATRIX_ACCESS_TOKEN or the login (docs/matrix-setup.md)",
                             perform)
    }

    func perform(_ job: TransportJob) async throws(MatrixError) -> TransportReceipt {
        let key = job.sendKey()
        switch job.action {
        case .createRoom(let name, let topic, let invitees, let isPrivate):
            return try await createRoom(name, topic: MatrixFormat.topic(topic, people: job.people),
                                        invite: invitees.compactMap { job.people[$0]?.account },
                                        empower: Self.empowered(invitees, job), isPrivate: isPrivate, key: key)
        case .invite(let room, let people):
            try await invite(people.compactMap { job.people[$0]?.account }, empowering: Self.empowered(people, job), to: room)
        case .setTopic(let room, let topic):
            try await inRoom(room) { (id) async throws(MatrixError) in
                _ = try await client.call(.PUT, "rooms/\(MatrixClient.segment(id))/state/m.room.topic/",
                                          body: ["topic": .string(MatrixFormat.topic(topic, people: job.people))])
            }
        case .settle:
            throw .matrix(status: 0, code: "NOT_FOR_MATRIX", reason: "pages on Matrix have nothing to settle")
        case .post(let room, let message):
            var posted = ""
            try await inRoom(room) { (id) async throws(MatrixError) in
                try await send(MatrixFormat.notice(message, people: job.people, rooms: job.roomLinks), to: id, key: key)
                posted = id
            }
            return await receipt(for: message, postedIn: posted, job: job)
        case .reply(let room, _, let message):
            try await inRoom(room) { (id) async throws(MatrixError) in
                try await send(MatrixFormat.notice(message, people: job.people, rooms: job.roomLinks), to: id, key: key)
            }
        case .directMessage(let person, let message):
            guard let account = job.people[person]?.account else {
                throw .matrix(status: 0, code: "NO_ACCOUNT", reason: "no Matrix id for \(person)")
            }
            let content = MatrixFormat.notice(message, people: job.people, rooms: job.roomLinks)
            let room = try await directRoom(account, for: key)
            do {
                try await send(content, to: room, key: key)
            } catch where error.code == "M_FORBIDDEN" {
                // The bot is no longer in that room (the person left and it was cleaned up): a new one.
                forgetDirectRoom(room, of: account)
                try await send(content, to: try await directRoom(account, for: key), key: key)
            }
        }
        return .delivered
    }

    /// `PUT /rooms/{room}/send/m.room.message/{txnId}`: the txnId is the job's send key, so a retry
    /// of a send that reached the homeserver returns the first event instead of a second one.
    func send(_ content: JSONValue, to room: String, key: String) async throws(MatrixError) {
        _ = try await client.call(.PUT, "rooms/\(MatrixClient.segment(room))/send/m.room.message/\(MatrixClient.segment(key))",
                                  body: content)
    }

    func me() async throws(MatrixError) -> String {
        if let me = state.withLock({ $0.me }) { return me }
        let me = try await client.whoami()
        state.withLock { $0.me = me }
        return me
    }

    /// `createRoom` with the alias `#name:server`, moving to `name-2`, ... while the alias is in
    /// use, and past `name-20` to a name nobody can guess (`unguessable`): anyone on the
    /// homeserver may take the names a title and a date make easy to guess (a private
    /// incident's above all), and with all twenty taken the incident had no room, while its
    /// reply named one of theirs.
    ///
    /// Every incident room is invite-only and left out of the room directory; a private
    /// incident's room also shuts guests out (`private_chat` lets them join when invited).
    ///
    /// People on other servers are invited once the room is made, not by `createRoom`: the
    /// homeserver refuses the whole creation when one of their servers cannot be reached, and
    /// the incident had no room (nor any message in it) for as long as that server was down.
    func createRoom(_ name: String, topic: String, invite invitees: [String], empower: [String], isPrivate: Bool,
                    key: String) async throws(MatrixError) -> TransportReceipt {
        let me = try await me()
        let server = Self.serverName(me)
        let local = invitees.filter { $0 != me && Self.serverName($0) == server }
        let remote = invitees.filter { $0 != me && Self.serverName($0) != server }
        let candidates = RoomNameCandidates(name, limit: Self.aliasLimit, key: key, secret: try await client.currentToken())
        for (attempt, alias) in candidates.all.enumerated().map({ ($0.offset + 1, $0.element) }) {
            let body: JSONValue = [
                "preset": "private_chat",
                "visibility": "private",
                "room_alias_name": .string(alias),
                "name": .string(alias),
                "topic": .string(topic),
                "invite": .array(local.map(JSONValue.string)),
                "creation_content": [Self.creationKey: .string(key)],
                "power_level_content_override": Self.incidentRoomPowers,
                "initial_state": isPrivate ? [["type": "m.room.guest_access", "state_key": "", "content": ["guest_access": "forbidden"]]] : [],
            ]
            var created: String?
            do throws(MatrixError) {
                let answer = try await client.call(.POST, "createRoom", body: body)
                guard let id = answer["room_id"]?.string else { throw .unavailable("createRoom answered without a room_id") }
                if attempt > 1 { logger.notice("Matrix room alias taken; used the next one", metadata: ["alias": "#\(alias):\(server)"]) }
                created = id
            } catch where error.code == "M_ROOM_IN_USE" {
                created = try await ownRoom(alias: "#\(alias):\(server)", key: key)
            }
            if let created {
                // Power levels after creation, not as an override: room version 12 refuses the
                // creator in `users`, and older versions would lose the creator's 100.
                if remote.isEmpty {
                    try await grantResponderPower(empower.filter { $0 != me }, in: created)
                } else {
                    try await invite(remote, empowering: empower.filter { $0 != me }, to: created)
                }
                return .roomCreated(id: created, name: alias)
            }
        }
        throw .matrix(status: 400, code: "M_ROOM_IN_USE", reason: candidates.triedText)
    }

    /// The room behind `alias` when this job created it (a retry after a crash), else nil. The
    /// bot must have made it: anyone on its server can make a room under an incident's alias
    /// with the job's key (easy to guess) and invite the bot, and a private incident would then
    /// be told in their room. So the whole creation event is read, sender included.
    func ownRoom(alias: String, key: String) async throws(MatrixError) -> String? {
        guard let id = try await resolve(alias) else { return nil }
        let me = try await me()
        do {
            let state = try await client.call(.GET, "rooms/\(MatrixClient.segment(id))/state")
            let create = state.array?.first { $0["type"]?.string == "m.room.create" && $0["state_key"]?.string == "" }
            guard let create, create["sender"]?.string == me, create["content"]?[Self.creationKey]?.string == key else {
                if create?["content"]?[Self.creationKey]?.string == key {
                    logger.warning("Matrix room under an incident's alias, with its key, made by someone else: not used",
                                   metadata: ["alias": "\(alias)", "creator": "\(create?["sender"]?.string ?? "?")"])
                }
                return nil
            }
            return id
        } catch where error.code == "M_FORBIDDEN" || error.code == "M_NOT_FOUND" {
            return nil
        }
    }

    /// A room id for `room`: itself, or the room an alias (`#...`) points to; nil for an
    /// alias that points nowhere.
    func resolve(_ room: String) async throws(MatrixError) -> String? {
        guard room.hasPrefix("#") else { return room }
        if let known = state.withLock({ $0.aliases[room] }) { return known }
        do {
            guard let id = try await client.call(.GET, "directory/room/\(MatrixClient.segment(room))")["room_id"]?.string else {
                return nil
            }
            state.withLock { $0.aliases[room] = id }
            return id
        } catch where error.code == "M_NOT_FOUND" {
            return nil
        }
    }

    /// Runs `body` with the room's id; when the bot is not in the room (a broadcast room it was
    /// named but never invited to), joins it and runs `body` once more, in the room joined: an
    /// alias may point elsewhere now (an upgrade moves a room's aliases to its successor, and
    /// every broadcast went on to the old room, read-only, until a restart).
    func inRoom(_ room: String, _ body: (String) async throws(MatrixError) -> Void) async throws(MatrixError) {
        guard let id = try await resolve(room) else {
            throw .matrix(status: 404, code: "M_NOT_FOUND", reason: "no room \(room)")
        }
        do {
            try await body(id)
        } catch where error.code == "M_FORBIDDEN" {
            let joined = try await client.call(.POST, "join/\(MatrixClient.segment(room))", body: [:])["room_id"]?.string ?? id
            if room.hasPrefix("#") { state.withLock { $0.aliases[room] = joined } }
            try await body(joined)
        }
    }

    /// The accounts of `people` that get the responder power level: roster people's. An
    /// account the roster does not list (a served stranger who declared, an IC named from
    /// another team) is invited without it: an off-roster declarer stood in for kept it, and
    /// set the room's topic to "all clear, stand down" and invited an account not served.
    static func empowered(_ people: [PersonID], _ job: TransportJob) -> [String] {
        people.filter(\.isOnRoster).compactMap { job.people[$0]?.account }
    }

    /// Invites each person (one call each: one unknown user must not fail the rest) and raises
    /// `empowering` to the responder power level, so an IC named later may change the topic too.
    func invite(_ people: [String], empowering: [String], to room: String) async throws(MatrixError) {
        guard !people.isEmpty else { return }
        let server = Self.serverName(try await me())
        for person in people {
            do {
                _ = try await client.call(.POST, "rooms/\(MatrixClient.segment(room))/invite", body: ["user_id": .string(person)])
            } catch where error.code == "M_FORBIDDEN" || error.code == "M_NOT_FOUND" || error.code == "M_BAD_STATE" {
                // Already in the room, banned, or no such user: nothing an invite can change.
                logger.notice("Matrix invite not sent", metadata: ["user": "\(person)", "reason": "\(error)"])
            } catch {
                // Their homeserver cannot be reached from ours. Retried, this invite held the
                // room's other invitations behind it (and, when invitations shared the room's
                // lane, every post) for as long as their server was down: hours, with the
                // default retries.
                guard Self.serverName(person) != server, await failedElsewhere(error) else { throw error }
                logger.warning("Matrix invite not sent: the person's homeserver cannot be reached; invite them by hand",
                               metadata: ["user": "\(person)", "reason": "\(error)"])
            }
        }
        try await grantResponderPower(empowering, in: room)
    }

    /// Raises each person below the responder power level to it (read, change, write back).
    func grantResponderPower(_ people: [String], in room: String) async throws(MatrixError) {
        guard !people.isEmpty else { return }
        let path = "rooms/\(MatrixClient.segment(room))/state/m.room.power_levels/"
        var levels = try await client.call(.GET, path).object ?? [:]
        var users = levels["users"]?.object ?? [:]
        let raise = people.filter { (users[$0]?.int ?? 0) < Self.responderPowerLevel }
        guard !raise.isEmpty else { return }
        for person in raise { users[person] = .number(Double(Self.responderPowerLevel)) }
        levels["users"] = .object(users)
        _ = try await client.call(.PUT, path, body: .object(levels))
    }

    /// Whether a call that reached out to another server failed there, not on ours: our
    /// homeserver answered 502 or 504 with its own error code (it could not reach the other;
    /// a 500 may be its own fault, and is retried), or the call timed out while ours answers
    /// now (a firewalled server takes longer than our time limit).
    func failedElsewhere(_ error: MatrixError) async -> Bool {
        switch error {
        case .failedOnServer(let status, _, _): return status == 502 || status == 504
        case .unavailable: return (try? await client.whoami()) != nil
        case .matrix, .rateLimited, .loginRefused: return false
        }
    }

    /// `@bot:example.org` -> `example.org`.
    static func serverName(_ user: String) -> String {
        Community.server(ofMatrixUser: user)
    }

    /// The longest alias name the bot makes (the whole alias, `#name:server`, may be 255 bytes).
    /// The unguessable name is signed with the bot's access token: after a new login, a retry
    /// may make a second room.
    static let aliasLimit = 200
}

extension MatrixError: PlatformError {
    /// As the delivery service sees it: retry or give up.
    public var transportError: TransportError {
        switch self {
        case .rateLimited(let after): .rateLimited(description, retryAfter: after)
        case .unavailable, .failedOnServer: .unavailable(description)
        case .matrix, .loginRefused:
            isSetupError ? .misconfigured(description) : .rejected(description)
        }
    }
}
