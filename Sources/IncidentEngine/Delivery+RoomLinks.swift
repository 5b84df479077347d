import IncidentCore

/// The ids of the rooms a message names, for a platform that links them: a page that says
/// `room #incident-20261124-checkout` opens the room in one tap instead of a search at 3 a.m.
extension Delivery {
    /// This platform's id of each room `action`'s message names, where it has one; `renamed`:
    /// the platform's rooms made under another name (`renamedRooms`), as the caller read them.
    func roomLinks(for action: TransportJob.Action, on platform: Platform, renamed: [String: String]) async throws -> [String: String] {
        guard let names = action.shownMessage?.rooms, !names.isEmpty else { return [:] }
        var links = roomLinks.withLock { known in known[platform, default: [:]].filter { names.contains($0.key) } }
        let missing = names.subtracting(links.keys)
        guard !missing.isEmpty else { return links }
        // A name is linked only when it is the name the incident's room was made under on this
        // platform: a room made as `…-2` (its name taken) must not link another incident whose
        // own name is `…-2`.
        let found = try await store.read { records -> [String: String] in
            var found: [String: String] = [:]
            for name in missing {
                guard let incident = try records.readableIncident(roomName: name)?.incident,
                      (renamed[incident.room] ?? incident.room) == name,
                      let id = try records.roomID(platform, incident: incident.number) else { continue }
                found[name] = id
            }
            return found
        }
        roomLinks.withLock { $0[platform, default: [:]].merge(found) { _, read in read } }
        links.merge(found) { _, read in read }
        return links
    }

    /// A room whose creation just returned: its id, by the name it was made under (messages
    /// name it so once renamed), for the messages that name it next.
    func noteRoomLink(_ done: Sent) {
        guard case .roomCreated(let id, let made) = done.receipt, let platform = done.item.method.platform else { return }
        roomLinks.withLock { $0[platform, default: [:]][made] = id }
    }
}
