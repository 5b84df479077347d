import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentStorage
import PostgresNIO

/// `IncidentRecords` on an open PostgreSQL transaction: the SQLite records' queries in
/// PostgreSQL's words, with the same per-transaction incident cache.
struct PostgresRecords: IncidentRecords {
    let sql: PostgresStatements
    let policies: PolicySnapshots
    let touched: TouchedIncidents
    /// The store's decoded outbox jobs, in a read transaction only.
    let jobs: DecodedJobs?
    /// In a write transaction, the items it finishes, let go of by `jobs` once it commits,
    /// and the methods of the items it queues.
    var changes: OutboxJobChanges? = nil

    var queuedMethods: Set<ContactMethod> { changes?.methods ?? [] }

    // MARK: Seen events

    func isSeen(_ door: ContactMethod, eventID: String) throws -> Bool {
        try sql.value(Int.self, "SELECT 1 FROM seen_event WHERE platform = \(door.rawValue) AND event_id = \(eventID)") != nil
    }

    func seen(_ door: ContactMethod, among eventIDs: [String]) throws -> Set<String> {
        guard !eventIDs.isEmpty else { return [] }
        return Set(try sql.rows("SELECT event_id FROM seen_event WHERE platform = \(door.rawValue) AND event_id = ANY(\(eventIDs))")
            .map { try $0.decode(String.self) })
    }

    static let seenEvent = RowTarget("seen_event", "INSERT INTO seen_event (platform, event_id, seen_at) {rows} ON CONFLICT DO NOTHING",
                                     types: ["text", "text", "bigint"])

    func markSeen(_ door: ContactMethod, eventID: String, at instant: Timestamp) throws {
        sql.writeRow(Self.seenEvent) { row in
            row.append(door.rawValue)
            row.append(eventID)
            row.append(instant.secondsSinceEpoch)
        }
    }

    func pruneSeen(before instant: Timestamp) throws -> Int {
        try sql.execute("DELETE FROM seen_event WHERE seen_at < \(instant.secondsSinceEpoch)")
    }

    // MARK: Incidents

    func nextIncidentNumber() throws -> Int {
        (try sql.value(Int.self, "SELECT value FROM counter WHERE name = 'incident'") ?? 0) + 1
    }

    func incident(_ number: Int) throws -> StoredIncident? {
        if let known = touched.incidents[number] { return known }
        return try fetchIncidents("WHERE number = \(number)").first
    }

    func incident(roomName: String) throws -> StoredIncident? {
        try touched.incidentNumber(.name(roomName)) {
            // A room made under another name (its incident's was taken) is found by that name too.
            try sql.value(Int.self, "SELECT number FROM incident WHERE room = \(roomName)")
                ?? sql.value(Int.self, "SELECT incident FROM room WHERE name = \(roomName) ORDER BY incident LIMIT 1")
        }.flatMap(incident)
    }

    func incident(platform: Platform, roomID: String) throws -> StoredIncident? {
        try touched.incidentNumber(.id(platform, roomID)) {
            try sql.value(Int.self, "SELECT incident FROM room WHERE platform = \(platform.rawValue) AND room_id = \(roomID)")
        }.flatMap(incident)
    }

    func openIncidents(skippingUnreadable: Bool) throws -> [StoredIncident] {
        try fetchIncidents(PostgresQuery(unsafeSQL: "WHERE phase IN \(OpenPhases.sqlList) ORDER BY number"), skippingUnreadable: skippingUnreadable)
    }

    func openIncidentsCounted() throws -> (readable: [StoredIncident], unreadable: [Int]) {
        var unreadable: [Int] = []
        let readable = try fetchIncidents(PostgresQuery(unsafeSQL: "WHERE phase IN \(OpenPhases.sqlList) ORDER BY number"), skippingUnreadable: true) {
            unreadable.append($0)
        }
        return (readable, unreadable)
    }

    func incidents(declaredSince instant: Timestamp) throws -> (readable: [StoredIncident], unreadable: [Int]) {
        var unreadable: [Int] = []
        let readable = try fetchIncidents("WHERE declared_at >= \(instant.secondsSinceEpoch) ORDER BY number", skippingUnreadable: true) {
            unreadable.append($0)
        }
        return (readable, unreadable)
    }

    func roomNames(_ collisions: RoomName.Collisions) throws -> Set<String> {
        // Bytewise ranges on the indexed columns (they are COLLATE "C"), as on SQLite.
        let (exact, prefix) = switch collisions {
        case .stem(let stem): (stem, stem + "-")
        case .prefix(let prefix): ("", prefix)
        }
        let end = prefix + "\u{7F}"
        return Set(try sql.rows("""
            SELECT room FROM incident WHERE room = \(exact) OR (room >= \(prefix) AND room < \(end))
            UNION SELECT name FROM room WHERE name = \(exact) OR (name >= \(prefix) AND name < \(end))
            """).map { try $0.decode(String.self) })
    }

    /// Incidents by a query on their columns (`clause` after FROM, with its binds): saves held
    /// back are written first, so the columns are current.
    /// `skippingUnreadable`: a row this version cannot read is left out, not thrown (a list of
    /// many must not fail for one).
    func fetchIncidents(_ clause: PostgresQuery, skippingUnreadable: Bool = false, skipped: (Int) -> Void = { _ in }) throws -> [StoredIncident] {
        try writeHeldSaves()
        let query = PostgresQuery(unsafeSQL: "SELECT number, home, state, format, policy FROM incident " + clause.sql, binds: clause.binds)
        return try sql.rows(query).compactMap { row in
            let (number, home, state, format, digest) = try row.decode((Int, String, String, Int, String?).self)
            do {
                return try touched.incident(number: number, home: home, state: state, format: format, policy: digest,
                                            policies: policies, load: policyBody)
            } catch is UnreadableRow where skippingUnreadable {
                skipped(number)
                return nil
            }
        }
    }

    func save(_ stored: StoredIncident) throws {
        if touched.save(stored) { try write(stored) }
    }

    /// Writes the saves held back; the store calls it before the transaction commits.
    func writeHeldSaves() throws {
        for stored in touched.takeHeldSaves() { try write(stored) }
    }

    func policyDigest(_ policy: Policy) throws -> String {
        try policies.digest(of: policy, isStored: { digest in
            try sql.value(Int.self, "SELECT 1 FROM policy WHERE digest = \(digest)") != nil
        }, insert: { digest, body in
            sql.send("INSERT INTO policy (digest, body) VALUES (\(digest), \(body)) ON CONFLICT DO NOTHING")
        })
    }

    func policyBody(_ digest: String) throws -> String? {
        try sql.value(String.self, "SELECT body FROM policy WHERE digest = \(digest)")
    }

    func write(_ stored: StoredIncident) throws {
        let incident = stored.incident
        let state = try StateCoding.encodeRecord(incident)
        let format = IncidentRecord.format(of: incident)
        let digest = try policyDigest(incident.policy)
        touched.policies.insert(digest)
        touched.decoded?.keep(number: incident.number, state: state, format: format, policy: digest, incident: incident)
        sql.send("""
            INSERT INTO incident (number, room, title, severity, phase, home, declared_at, next_due, state, format, policy)
            VALUES (\(incident.number), \(incident.room), \(incident.title), \(incident.severity.rawValue), \(incident.phase.rawValue),
                    \(stored.home.rawValue), \(incident.declaredAt.secondsSinceEpoch), \(incident.nextDue?.secondsSinceEpoch),
                    \(state), \(format), \(digest))
            ON CONFLICT (number) DO UPDATE SET title = excluded.title, severity = excluded.severity,
                phase = excluded.phase, next_due = excluded.next_due, state = excluded.state, format = excluded.format,
                policy = excluded.policy
            """)
        let companions = touched.companionsToWrite(incident)
        if companions.counter {
            sql.send("""
                INSERT INTO counter (name, value) VALUES ('incident', \(incident.number))
                ON CONFLICT (name) DO UPDATE SET value = greatest(counter.value, excluded.value)
                """)
        }
        guard companions.participants else { return }
        sql.send("DELETE FROM participant WHERE incident = \(incident.number)")
        for (role, person) in incident.roles.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            sql.send("INSERT INTO participant (incident, role, person) VALUES (\(incident.number), \(role.rawValue), \(person.rawValue))")
        }
    }

    static let timelineEntry = RowTarget("timeline", "INSERT INTO timeline (incident, at, author, kind, text) {rows}",
                                         types: ["bigint", "bigint", "text", "text", "text"])

    func appendTimeline(_ entries: [TimelineEntry], incident: Int) throws {
        for entry in entries {
            sql.writeRow(Self.timelineEntry) { row in
                row.append(incident)
                row.append(entry.at.secondsSinceEpoch)
                row.append(entry.author?.rawValue)
                row.append(entry.kind.rawValue)
                row.append(entry.text)
            }
        }
    }

    func timeline(incident: Int) throws -> [TimelineEntry] {
        try sql.rows("SELECT at, author, kind, text FROM timeline WHERE incident = \(incident) ORDER BY id").map { row in
            let (at, author, kind, text) = try row.decode((Int64, String?, String, String).self)
            guard let parsed = TimelineEntry.Kind(rawValue: kind) else { throw CorruptRow(description: "unknown timeline kind \(kind)") }
            return TimelineEntry(at: Timestamp(secondsSinceEpoch: at), author: author.map(PersonID.init(rawValue:)), kind: parsed, text: text)
        }
    }

    // MARK: Scheduling

    func earliestDue(skipping: Set<Int>) throws -> Timestamp? {
        try writeHeldSaves()
        let skipped = skipping.map(Int64.init)
        return try sql.value(Int64?.self, "SELECT min(next_due) FROM incident WHERE next_due IS NOT NULL AND NOT (number = ANY(\(skipped)))")
            .flatMap { $0 }.map(Timestamp.init(secondsSinceEpoch:))
    }

    func incidentsDue(at instant: Timestamp, limit: Int, skipping: Set<Int>) throws -> DueIncidents {
        try writeHeldSaves()
        let skipped = skipping.map(Int64.init)
        let rows = try sql.rows("""
            SELECT number, home, state, format, policy FROM incident
            WHERE next_due IS NOT NULL AND next_due <= \(instant.secondsSinceEpoch) AND NOT (number = ANY(\(skipped)))
            ORDER BY next_due, number LIMIT \(limit)
            """)
        var due = DueIncidents()
        for row in rows {
            let (number, home, state, format, digest) = try row.decode((Int, String, String, Int, String?).self)
            try due.add(number) {
                try touched.incident(number: number, home: home, state: state, format: format, policy: digest, policies: policies,
                                     load: policyBody)
            }
        }
        return due
    }

    // MARK: Rooms and sync tokens

    func bindRoom(_ platform: Platform, roomID: String, name: String, incident: Int) throws {
        touched.roomsChanged()
        sql.send("""
            INSERT INTO room (platform, room_id, name, incident) VALUES (\(platform.rawValue), \(roomID), \(name), \(incident))
            ON CONFLICT (platform, incident) DO UPDATE SET room_id = excluded.room_id, name = excluded.name
            """)
    }

    func boundRooms(_ platform: Platform) throws -> Set<String> {
        Set(try sql.rows("SELECT room_id FROM room WHERE platform = \(platform.rawValue)").map { try $0.decode(String.self) })
    }

    func renamedRooms(_ platform: Platform) throws -> [String: String] {
        let rows = try sql.rows("""
            SELECT incident.room, room.name FROM room JOIN incident ON incident.number = room.incident
            WHERE room.platform = \(platform.rawValue) AND room.name <> incident.room
            """)
        return Dictionary(try rows.map { try $0.decode((String, String).self) }, uniquingKeysWith: { first, _ in first })
    }

    func renamedRoom(_ platform: Platform, asked: String) throws -> String? {
        try sql.rows("""
            SELECT room.name FROM incident JOIN room ON room.incident = incident.number
            WHERE incident.room = \(asked) AND room.platform = \(platform.rawValue) AND room.name <> incident.room
            """).first.map { try $0.decode(String.self) }
    }

    func roomID(_ platform: Platform, incident: Int) throws -> String? {
        try sql.value(String.self, "SELECT room_id FROM room WHERE platform = \(platform.rawValue) AND incident = \(incident)")
    }

    func syncToken(_ platform: Platform) throws -> String? {
        try sql.value(String.self, "SELECT token FROM sync_token WHERE platform = \(platform.rawValue)")
    }

    func setSyncToken(_ platform: Platform, _ token: String) throws {
        sql.send("""
            INSERT INTO sync_token (platform, token) VALUES (\(platform.rawValue), \(token))
            ON CONFLICT (platform) DO UPDATE SET token = excluded.token
            """)
    }
}
