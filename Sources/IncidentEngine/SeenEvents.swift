import IncidentCore

/// The events one batch's transaction has seen, by door: looked up for the whole batch at
/// once, then kept as each is marked, so an event that comes twice in one batch is a
/// duplicate the second time. Lives and dies with its transaction.
final class SeenEvents {
    private let records: any IncidentRecords
    private var known: [ContactMethod: Set<String>] = [:]

    init(_ events: [ChatEvent], records: any IncidentRecords) throws {
        self.records = records
        for (door, batch) in Dictionary(grouping: events, by: { ContactMethod($0.platform) }) {
            known[door] = try records.seen(door, among: batch.map(\.id))
        }
    }

    /// Marks `event` seen at `now`; false when it was seen before (nothing is marked).
    func markNew(_ event: ChatEvent, at now: Timestamp) throws -> Bool {
        let door = ContactMethod(event.platform)
        guard known[door, default: []].insert(event.id).inserted else { return false }
        try records.markSeen(door, eventID: event.id, at: now)
        return true
    }
}
