import IncidentCore
import IncidentEngine
import IncidentWire

/// The direct rooms pages and direct messages go to: found in the bot's `m.direct`, made when
/// there is none the person can read, and forgotten when the person left.
extension MatrixTransport {
    /// The bot's direct message room with `account` for the message `key`: among the rooms in
    /// its `m.direct` account data (the newest first), one the person joined; or the one made
    /// for this very message, which they have not joined yet (a retry, after a timeout or a
    /// crash, goes where the first try went, and the txnId keeps it one message); else a new
    /// room (`is_direct`, its creation marked with `key`), recorded there for later messages.
    /// A room the person was only invited to is not reused for another message: a homeserver
    /// notifies a person of messages only in rooms they joined, so a second page there would
    /// reach nobody and count as delivered, while a new room's invitation does notify them.
    func directRoom(_ account: String, for key: String) async throws(MatrixError) -> String {
        let me = try await me()
        let path = "user/\(MatrixClient.segment(me))/account_data/m.direct"
        let kept = state.withLock { $0.direct != nil }
        var direct = try await directRooms(path, fresh: false)
        if let room = try await usableDirectRoom(account, for: key, in: &direct) { return room }
        // Before making a room, the account data as the homeserver has it now: the list kept
        // here may be from an earlier leader term, and another replica (or this process in an
        // earlier term) may have made this message's room since, and sent into it.
        if kept {
            direct = try await directRooms(path, fresh: true)
            if let room = try await usableDirectRoom(account, for: key, in: &direct) { return room }
        }
        try await requireAccount(account, me: me)
        let answer = try await client.call(.POST, "createRoom", body: [
            "preset": "trusted_private_chat", "is_direct": true, "visibility": "private",
            "invite": [.string(account)], "creation_content": [Self.creationKey: .string(key)],
        ])
        guard let room = answer["room_id"]?.string else { throw .unavailable("createRoom answered without a room_id") }
        direct[account, default: []].append(room)
        state.withLock { $0.direct = direct }
        _ = try await client.call(.PUT, path, body: .object(direct.mapValues { .array($0.map(JSONValue.string)) }))
        return room
    }

    /// Refuses a direct message to an account our own homeserver does not have (a roster
    /// typo): Synapse makes the room and takes the invitation and the message all the same,
    /// so the page was recorded delivered into nothing and the person's other methods were
    /// never tried. Synapse answers a profile request for an account it has no row for with a
    /// 404 `M_UNKNOWN` ("No row found"); any other answer says nothing and the message goes
    /// on: a 404 `M_NOT_FOUND` is an account whose profile is empty, a 403 a server that
    /// hides profiles, and an account on another server is not asked (its server may be down).
    func requireAccount(_ account: String, me: String) async throws(MatrixError) {
        guard Self.serverName(account) == Self.serverName(me) else { return }
        do {
            _ = try await client.call(.GET, "profile/\(MatrixClient.segment(account))")
        } catch {
            guard case .matrix(404, "M_UNKNOWN", _) = error else { return }
            throw .matrix(status: 404, code: "M_UNKNOWN", reason: "the homeserver has no account \(account)")
        }
    }

    /// The bot's `m.direct` account data: as kept from the last read or write, or, when
    /// `fresh` or never read, read from the homeserver (and kept). A fresh read keeps the rooms
    /// this process made whose write to the account data failed, after the homeserver's.
    func directRooms(_ path: String, fresh: Bool) async throws(MatrixError) -> [String: [String]] {
        let kept = state.withLock { $0.direct }
        if !fresh, let kept { return kept }
        var direct: [String: [String]] = [:]
        do {
            for (user, rooms) in try await client.call(.GET, path).object ?? [:] {
                direct[user] = rooms.array?.compactMap(\.string) ?? []
            }
        } catch where error.code == "M_NOT_FOUND" {}
        for (user, rooms) in kept ?? [:] {
            for room in rooms where direct[user]?.contains(room) != true { direct[user, default: []].append(room) }
        }
        state.withLock { $0.direct = direct }
        return direct
    }

    /// Among `account`'s newest direct rooms, one a message for `key` may go to: one they
    /// joined, the one made for this message, or one they left (invited back). Rooms gone are
    /// taken out of `direct`.
    func usableDirectRoom(_ account: String, for key: String, in direct: inout [String: [String]]) async throws(MatrixError) -> String? {
        // The newest few: rooms made for messages never opened pile up at the end.
        for room in (direct[account] ?? []).reversed().prefix(Self.directRoomsLooked) {
            switch try await membership(of: account, in: room) {
            case .joined:
                return room
            case .invited:
                if try await madeFor(room) == key { return room }
            case .left:
                // They left it: invited back, and the invitation notifies them.
                if try await reinvite(account, to: room) { return room }
                fallthrough
            case .gone:
                forgetDirectRoom(room, of: account)
                direct[account]?.removeAll { $0 == room }
            }
        }
        return nil
    }

    /// How many of a person's direct rooms, newest first, are looked at for one they joined.
    static var directRoomsLooked: Int { 5 }

    enum DirectMembership {
        case joined, invited, left
        /// Banned, or the bot itself is no longer in the room.
        case gone
    }

    /// Where `account` stands in the direct room `room`.
    func membership(of account: String, in room: String) async throws(MatrixError) -> DirectMembership {
        let membership: String?
        do {
            membership = try await client.call(.GET, "rooms/\(MatrixClient.segment(room))/state/m.room.member/\(MatrixClient.segment(account))")["membership"]?.string
        } catch where error.code == "M_FORBIDDEN" {
            return .gone
        } catch where error.code == "M_NOT_FOUND" {
            membership = nil
        }
        switch membership {
        case "join": return .joined
        case "invite": return .invited
        case "ban": return .gone
        default: return .left
        }
    }

    /// Invites `account` back to `room`; false when the homeserver refuses.
    func reinvite(_ account: String, to room: String) async throws(MatrixError) -> Bool {
        do {
            _ = try await client.call(.POST, "rooms/\(MatrixClient.segment(room))/invite", body: ["user_id": .string(account)])
            return true
        } catch where error.code == "M_FORBIDDEN" {
            return false
        }
    }

    /// The outbox key a room the bot made was made for (its creation content), or nil.
    func madeFor(_ room: String) async throws(MatrixError) -> String? {
        do {
            let create = try await client.call(.GET, "rooms/\(MatrixClient.segment(room))/state/m.room.create/")
            return create[Self.creationKey]?.string
        } catch where error.code == "M_FORBIDDEN" || error.code == "M_NOT_FOUND" {
            return nil
        }
    }

    func forgetDirectRoom(_ room: String, of account: String) {
        state.withLock { state in state.direct?[account]?.removeAll { $0 == room } }
    }
}
