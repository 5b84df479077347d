import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentWire
import Logging

/// Invitations: joined from allowed inviters (the first try before the batch is committed,
/// the rest in the background), declined from everyone else.
extension MatrixSync {
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

    /// The key of the start's look for waiting invitations among the background joins (so it
    /// ends with the loop).
    static var waitingInvitations: String { "(invitations waiting at start)" }

    /// Answers the invitations still waiting, as a sync without a position lists them all: an
    /// incremental sync brings an invitation once, so one whose join was going on in the
    /// background when the last run ended (a restart, a leader standing down) would otherwise
    /// wait for good, and commands typed in its room go unseen. Nothing else is read: no
    /// timeline, no state. A failure is logged and left for the next start.
    func answerWaitingInvitations(me: String) async {
        defer { _ = joinTasks.withLock { $0.removeValue(forKey: Self.waitingInvitations) } }
        do {
            let answer = try await client.call(.GET, "sync", query: ["filter": matrixInvitationsFilter, "timeout": "0"],
                                               timeout: settings.timeout + .seconds(30))
            let invites = answer["rooms"]?["invite"]?.object ?? [:]
            if !invites.isEmpty {
                logger.notice("answering Matrix invitations that waited across a restart", metadata: ["invitations": "\(invites.count)"])
            }
            await acceptInvitations(invites, me: me)
        } catch {
            logger.warning("cannot list the Matrix invitations waiting; they are answered at the next start", metadata: ["reason": "\(error)"])
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
            if attempt > 1 { try? await engine.clock.sleep(for: settings.slowRetry.delay(afterFailures: attempt - 1)) }
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
    /// How many times a join that fails for now is tried, with `Settings.slowRetry` between
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

    /// Whether `inviter` may invite the bot: listed by id or by server; with an empty list,
    /// anyone on the bot's own server.
    static func allows(_ inviter: String, me: String, list: [String]) -> Bool {
        let server = MatrixTransport.serverName(inviter)
        guard inviter.hasPrefix("@"), inviter.contains(":") else { return false }
        if list.isEmpty { return server == MatrixTransport.serverName(me) }
        return list.contains(inviter) || list.contains(server)
    }
}
