import IncidentRules
import Synchronization

/// Incidents already decoded, by number, with the stored text they came from: a row whose
/// state, format and policy are what was last decoded or written for its number is not
/// decoded again. A command reads its incident, changes it and writes it back, and the next
/// command about it reads that text again; decoding it (Foundation's JSON) was a seventh of a
/// command's cost. Checked against the row's own text every time, so it can never hand out a
/// state the database does not hold, whoever wrote it. Bounded.
public final class DecodedIncidents: Sendable {
    struct Entry: Sendable {
        var state: String
        var format: Int
        var policy: String?
        var incident: Incident
    }

    private let entries = Mutex<[Int: Entry]>([:])
    /// More than this and the cache starts over.
    let limit: Int

    public init(limit: Int = 4_096) {
        self.limit = limit
    }

    /// The incident the row holds: the one kept for this exact text, or `decode()`'s, kept.
    func incident(number: Int, state: String, format: Int, policy: String?, decode: () throws -> Incident) rethrows -> Incident {
        if let entry = entries.withLock({ $0[number] }), entry.format == format, entry.policy == policy, entry.state == state {
            return entry.incident
        }
        let incident = try decode()
        keep(number: number, state: state, format: format, policy: policy, incident: incident)
        return incident
    }

    /// `incident` as just written with this text. Kept before the transaction commits: if it
    /// rolls back, the row's older text no longer matches, and the row is decoded.
    public func keep(number: Int, state: String, format: Int, policy: String?, incident: Incident) {
        entries.withLock { entries in
            if entries.count >= limit, entries[number] == nil { entries.removeAll(keepingCapacity: true) }
            entries[number] = Entry(state: state, format: format, policy: policy, incident: incident)
        }
    }
}
