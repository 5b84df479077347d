import Foundation
import IncidentMatrix
import IncidentTesting
import IncidentWire
import NIOHTTP1

/// A responder on the test homeserver, typing and reading through the Client-Server API as a
/// chat client would.
public struct MatrixTestUser: Sendable {
    public let homeserver: String
    public let user: String
    public let password: String
    public let token: String
    let client: MatrixClient

    init(homeserver: String, user: String, password: String, token: String) {
        self.homeserver = homeserver
        self.user = user
        self.password = password
        self.token = token
        client = MatrixClient(homeserver: homeserver, auth: .token(Secret(token)))
    }

    public func call(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: JSONValue? = nil) async throws -> JSONValue {
        do {
            return try await client.call(method, path, query: query, body: body)
        } catch {
            throw TestTools.Failure("\(user) \(method) \(path): \(error)")
        }
    }

    /// Synapse's admin API (`/_synapse/admin/v1/...`), for a user registered as an admin.
    @discardableResult
    public func synapseAdmin(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        do {
            return try await client.send(method, "/_synapse/admin/v1/" + path, body: body, token: Secret(token), timeout: .seconds(30))
        } catch {
            throw TestTools.Failure("\(user) admin \(method) \(path): \(error)")
        }
    }

    /// Types a message; returns its event id.
    @discardableResult
    public func say(_ text: String, in room: String, content extra: [String: JSONValue] = [:]) async throws -> String {
        var content: [String: JSONValue] = ["msgtype": "m.text", "body": .string(text)]
        content.merge(extra) { _, new in new }
        let txn = UUID().uuidString
        let answer = try await call(.PUT, "rooms/\(MatrixClient.segment(room))/send/m.room.message/\(txn)", body: .object(content))
        guard let id = answer["event_id"]?.string else { throw TestTools.Failure("send answered \(answer.text)") }
        return id
    }

    /// A private room with these people invited; returns its id.
    public func createRoom(inviting people: [String], name: String = "lobby") async throws -> String {
        let answer = try await call(.POST, "createRoom", body: [
            "preset": "private_chat", "name": .string(name), "invite": .array(people.map(JSONValue.string)),
        ])
        guard let id = answer["room_id"]?.string else { throw TestTools.Failure("createRoom answered \(answer.text)") }
        return id
    }

    public func join(_ room: String) async throws {
        _ = try await call(.POST, "join/\(MatrixClient.segment(room))", body: [:])
    }

    /// The room an alias (`#incident-...:localhost`) points to, or nil.
    public func resolve(_ alias: String) async throws -> String? {
        switch await attempt(.GET, "directory/room/\(MatrixClient.segment(alias))") {
        case .success(let answer): return answer["room_id"]?.string
        case .failure(let error) where error.code == "M_NOT_FOUND": return nil
        case .failure(let error): throw error
        }
    }

    /// A call whose Matrix error the caller looks at.
    func attempt(_ method: HTTPMethod, _ path: String) async -> Result<JSONValue, MatrixError> {
        do {
            return .success(try await client.call(method, path))
        } catch {
            return .failure(error)
        }
    }

    /// The room's messages, oldest first (up to the last 500).
    public func messages(in room: String) async throws -> [JSONValue] {
        let answer = try await call(.GET, "rooms/\(MatrixClient.segment(room))/messages",
                                    query: ["dir": "b", "limit": "500", "filter": #"{"types":["m.room.message"]}"#])
        return (answer["chunk"]?.array ?? []).reversed()
    }

    /// The bodies of the messages `sender` (the bot) posted in the room, oldest first: its
    /// notices, and the `m.text` of pages, nudges and reminders, which must notify.
    public func notices(in room: String, from sender: String) async throws -> [String] {
        try await messages(in: room).filter { $0["sender"]?.string == sender && Self.botTypes.contains($0["content"]?["msgtype"]?.string ?? "") }
            .compactMap { $0["content"]?["body"]?.string }
    }

    static let botTypes: Set<String> = ["m.notice", "m.text"]

    /// Waits (polling the homeserver, up to `seconds`) until `sender` has posted a notice in the
    /// room that contains `text`, and returns the whole event.
    @discardableResult
    public func waitForNotice(in room: String, from sender: String, containing text: String, seconds: Double = 20) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let found = try await messages(in: room).last {
                $0["sender"]?.string == sender && Self.botTypes.contains($0["content"]?["msgtype"]?.string ?? "")
                    && ($0["content"]?["body"]?.string ?? "").contains(text)
            }
            if let found { return found }
            if ContinuousClock.now > deadline {
                let seen = try await notices(in: room, from: sender)
                throw TestTools.Failure("no notice containing “\(text)” from \(sender) in \(room) within \(seconds) s; saw \(seen)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Rooms this user is invited to, with who invited them and whether the invitation is a DM.
    public func invitations() async throws -> [(room: String, inviter: String, direct: Bool)] {
        let answer = try await call(.GET, "sync", query: ["timeout": "0", "filter": #"{"room":{"timeline":{"limit":0}}}"#])
        return (answer["rooms"]?["invite"]?.object ?? [:]).compactMap { room, invite in
            guard let member = invite["invite_state"]?["events"]?.array?.first(where: {
                $0["type"]?.string == "m.room.member" && $0["state_key"]?.string == user
            }) else { return nil }
            return (room, member["sender"]?.string ?? "", member["content"]?["is_direct"]?.bool ?? false)
        }
    }

    /// The direct-message room `sender` opened with this user (joined on first look), or nil.
    public func directRoom(from sender: String) async throws -> String? {
        if let invite = try await invitations().first(where: { $0.inviter == sender && $0.direct }) {
            try await join(invite.room)
            return invite.room
        }
        // Joined earlier: the unnamed room whose only members are the two of them.
        let joined = try await call(.GET, "joined_rooms")["joined_rooms"]?.array?.compactMap(\.string) ?? []
        for room in joined {
            let members = try await call(.GET, "rooms/\(MatrixClient.segment(room))/joined_members")["joined"]?.object ?? [:]
            guard Set(members.keys) == [user, sender] else { continue }
            if try await !hasName(room) { return room }
        }
        return nil
    }

    func hasName(_ room: String) async throws -> Bool {
        switch await attempt(.GET, "rooms/\(MatrixClient.segment(room))/state/m.room.name/") {
        case .success: return true
        case .failure(let error) where error.code == "M_NOT_FOUND": return false
        case .failure(let error): throw error
        }
    }

    /// The pages (notices) `sender` sent this user by DM, oldest first; empty when there is no DM room yet.
    public func directNotices(from sender: String) async throws -> [String] {
        guard let room = try await directRoom(from: sender) else { return [] }
        return try await notices(in: room, from: sender)
    }
}
