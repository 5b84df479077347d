import GRDB
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentStorage

/// `IncidentRecords` on an open GRDB transaction.
struct SQLiteRecords: IncidentRecords {
    let db: Database
    /// The store's policies, decoded once per process.
    let policies: PolicySnapshots
    /// The incidents this transaction has read or saved.
    let touched: TouchedIncidents
    /// The store's decoded outbox jobs, in a read transaction (which sees only committed rows);
    /// nil in a write transaction.
    let jobs: DecodedJobs?
    /// In a write transaction, the jobs it queues and the items it finishes, for `jobs` once
    /// it commits.
    let changes: OutboxJobChanges?

    var queuedMethods: Set<ContactMethod> { changes?.methods ?? [] }

    init(db: Database, policies: PolicySnapshots, touched: TouchedIncidents = TouchedIncidents(), jobs: DecodedJobs? = nil,
         changes: OutboxJobChanges? = nil) {
        self.db = db
        self.policies = policies
        self.touched = touched
        self.jobs = jobs
        self.changes = changes
    }

    /// Runs `sql` through the connection's statement cache: the store's statements are few
    /// and run thousands of times, and preparing one costs more than running it.
    func execute(_ sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    // MARK: Seen events

    func isSeen(_ door: ContactMethod, eventID: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM seen_event WHERE platform = ? AND event_id = ?"),
                          arguments: [door.rawValue, eventID]) ?? false
    }

    /// Up to `idsPerStatement` ids a statement: a batch of events is looked up in a statement
    /// or a few, not one an event.
    func seen(_ door: ContactMethod, among eventIDs: [String]) throws -> Set<String> {
        var seen: Set<String> = []
        for start in stride(from: 0, to: eventIDs.count, by: Self.idsPerStatement) {
            let ids = eventIDs[start..<min(start + Self.idsPerStatement, eventIDs.count)]
            let found = try String.fetchCursor(db.cachedStatement(sql: "SELECT event_id FROM seen_event WHERE platform = ? AND event_id IN (\(Self.placeholders(ids.count)))"),
                                               arguments: StatementArguments([door.rawValue] + Array(ids)))
            while let id = try found.next() { seen.insert(id) }
        }
        return seen
    }

    /// The most ids one statement names.
    static let idsPerStatement = 64

    /// `?, ?, ?` for `count` values. A statement of each length is kept prepared, and the
    /// lengths of a round's marks or a batch's look-ups repeat.
    static func placeholders(_ count: Int) -> String {
        String(repeating: "?, ", count: max(count - 1, 0)) + "?"
    }

    func markSeen(_ door: ContactMethod, eventID: String, at instant: Timestamp) throws {
        try execute("INSERT OR IGNORE INTO seen_event (platform, event_id, seen_at) VALUES (?, ?, ?)",
                    arguments: [door.rawValue, eventID, instant.secondsSinceEpoch])
    }

    func pruneSeen(before instant: Timestamp) throws -> Int {
        try execute("DELETE FROM seen_event WHERE seen_at < ?", arguments: [instant.secondsSinceEpoch])
        return db.changesCount
    }

    // MARK: Incidents

    func nextIncidentNumber() throws -> Int {
        let last = try Int.fetchOne(db.cachedStatement(sql: "SELECT value FROM counter WHERE name = 'incident'")) ?? 0
        return last + 1
    }

    func incident(_ number: Int) throws -> StoredIncident? {
        if let known = touched.incidents[number] { return known }
        return try fetchIncidents("WHERE number = ?", [number]).first
    }

    // An incident's number and room never change, and a new incident's row is written at its
    // first save: these find the number in the table and the state through `incident(_:)`.
    func incident(roomName: String) throws -> StoredIncident? {
        try touched.incidentNumber(.name(roomName)) {
            // A room made under another name (its incident's was taken) is found by that name too.
            try Int.fetchOne(db.cachedStatement(sql: "SELECT number FROM incident WHERE room = ?"), arguments: [roomName])
                ?? Int.fetchOne(db.cachedStatement(sql: "SELECT incident FROM room WHERE name = ? ORDER BY incident LIMIT 1"),
                                arguments: [roomName])
        }.flatMap(incident)
    }

    func incident(platform: Platform, roomID: String) throws -> StoredIncident? {
        try touched.incidentNumber(.id(platform, roomID)) {
            try Int.fetchOne(db.cachedStatement(sql: "SELECT incident FROM room WHERE platform = ? AND room_id = ?"),
                             arguments: [platform.rawValue, roomID])
        }.flatMap(incident)
    }

    func openIncidents(skippingUnreadable: Bool) throws -> [StoredIncident] {
        try fetchIncidents("WHERE phase IN \(OpenPhases.sqlList) ORDER BY number", [], skippingUnreadable: skippingUnreadable)
    }

    func openIncidentsCounted() throws -> (readable: [StoredIncident], unreadable: [Int]) {
        var unreadable: [Int] = []
        let readable = try fetchIncidents("WHERE phase IN \(OpenPhases.sqlList) ORDER BY number", [], skippingUnreadable: true) {
            unreadable.append($0)
        }
        return (readable, unreadable)
    }

    func incidents(declaredSince instant: Timestamp) throws -> (readable: [StoredIncident], unreadable: [Int]) {
        var unreadable: [Int] = []
        let readable = try fetchIncidents("WHERE declared_at >= ? ORDER BY number", [instant.secondsSinceEpoch], skippingUnreadable: true) {
            unreadable.append($0)
        }
        return (readable, unreadable)
    }

    func roomNames(_ collisions: RoomName.Collisions) throws -> Set<String> {
        // Ranges on the indexed columns, not LIKE: room names are ASCII, and a range from a
        // prefix to the prefix and DEL holds every string that starts with it.
        let (exact, prefix) = switch collisions {
        case .stem(let stem): (stem, stem + "-")
        case .prefix(let prefix): ("", prefix)
        }
        let end = prefix + "\u{7F}"
        return Set(try String.fetchAll(db.cachedStatement(sql: """
            SELECT room FROM incident WHERE room = ? OR (room >= ? AND room < ?)
            UNION SELECT name FROM room WHERE name = ? OR (name >= ? AND name < ?)
            """), arguments: [exact, prefix, end, exact, prefix, end]))
    }

    /// The columns an incident is read from, in the order its readers take them by position
    /// (a look-up by name lowercases the name and searches the columns for every value).
    static let incidentColumns = "number, home, state, format, policy, phase, next_due"

    /// Incidents by a query on their columns: saves this transaction holds back are written
    /// first, so the columns are current; incidents it already holds are not decoded again.
    /// `skippingUnreadable`: a row this version cannot read is left out, not thrown (a list of
    /// many must not fail for one), and its number given to `skipped`.
    func fetchIncidents(_ clause: String, _ arguments: StatementArguments, skippingUnreadable: Bool = false,
                        skipped: (Int) -> Void = { _ in }) throws -> [StoredIncident] {
        try writeHeldSaves()
        // Columns by position, in the order selected (`incidentColumns`).
        // Through a cursor: each row read in place, not copied into a list of rows first.
        var incidents: [StoredIncident] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT \(Self.incidentColumns) FROM incident \(clause)"), arguments: arguments)
        while let row = try rows.next() {
            do {
                incidents.append(try touched.incident(number: row[0], home: row[1], state: row[2], format: row[3], policy: row[4],
                                                      policies: policies, load: policyBody))
                touched.rowIndexed[row[0]] = IndexedColumns(phase: row[5], nextDue: row[6])
            } catch is UnreadableRow where skippingUnreadable {
                skipped(row[0])
            }
        }
        return incidents
    }

    /// Keeps the incident's new state for this transaction. A new incident's row is written
    /// now (its number and room must be found by others at once); a later save of an incident
    /// the transaction already holds is written once, when it ends (`writeHeldSaves`): a batch
    /// of commands on one incident encodes it once, not once a command.
    func save(_ stored: StoredIncident) throws {
        if touched.save(stored) { try write(stored) }
    }

    /// Writes the saves held back; the store calls it before the transaction commits.
    func writeHeldSaves() throws {
        for stored in touched.takeHeldSaves() { try write(stored) }
    }

    /// The policy table, for `PolicySnapshots`.
    func policyDigest(_ policy: Policy) throws -> String {
        try policies.digest(of: policy, isStored: { digest in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM policy WHERE digest = ?"), arguments: [digest]) == true
        }, insert: { digest, body in
            try execute("INSERT OR IGNORE INTO policy (digest, body) VALUES (?, ?)", arguments: [digest, body])
        })
    }

    func policyBody(_ digest: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM policy WHERE digest = ?"), arguments: [digest])
    }

    func write(_ stored: StoredIncident) throws {
        let incident = stored.incident
        let state = try StateCoding.encodeRecord(incident)
        let format = IncidentRecord.format(of: incident)
        let digest = try policyDigest(incident.policy)
        touched.policies.insert(digest)
        touched.decoded?.keep(number: incident.number, state: state, format: format, policy: digest, incident: incident)
        let indexed = IndexedColumns(phase: incident.phase.rawValue, nextDue: incident.nextDue?.secondsSinceEpoch)
        if touched.rowIndexed[incident.number] == indexed {
            // The row as read or written in this transaction, its indexed columns unchanged.
            try execute("UPDATE incident SET title = ?, severity = ?, state = ?, format = ?, policy = ? WHERE number = ?",
                        arguments: [incident.title, incident.severity.rawValue, state, format, digest, incident.number])
        } else {
            try execute("""
                INSERT INTO incident (number, room, title, severity, phase, home, declared_at, next_due, state, format, policy)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (number) DO UPDATE SET title = excluded.title, severity = excluded.severity,
                    phase = excluded.phase, next_due = excluded.next_due, state = excluded.state, format = excluded.format,
                    policy = excluded.policy
                """, arguments: [incident.number, incident.room, incident.title, incident.severity.rawValue,
                                 incident.phase.rawValue, stored.home.rawValue, incident.declaredAt.secondsSinceEpoch,
                                 indexed.nextDue, state, format, digest])
        }
        touched.rowIndexed[incident.number] = indexed
        let companions = touched.companionsToWrite(incident)
        if companions.counter {
            try execute("""
                INSERT INTO counter (name, value) VALUES ('incident', ?)
                ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)
                """, arguments: [incident.number])
        }
        if companions.participants { try saveParticipants(number: incident.number, roles: incident.roles) }
    }

    func saveParticipants(number: Int, roles: [Role: PersonID]) throws {
        try execute("DELETE FROM participant WHERE incident = ?", arguments: [number])
        for (role, person) in roles.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try execute("INSERT INTO participant (incident, role, person) VALUES (?, ?, ?)", arguments: [number, role.rawValue, person.rawValue])
        }
    }

    func appendTimeline(_ entries: [TimelineEntry], incident: Int) throws {
        for entry in entries {
            try execute("INSERT INTO timeline (incident, at, author, kind, text) VALUES (?, ?, ?, ?, ?)",
                        arguments: [incident, entry.at.secondsSinceEpoch, entry.author?.rawValue, entry.kind.rawValue, entry.text])
        }
    }

    func timeline(incident: Int) throws -> [TimelineEntry] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT at, author, kind, text FROM timeline WHERE incident = ? ORDER BY id"),
                         arguments: [incident]).map { row in
            let kind: String = row["kind"]
            guard let parsed = TimelineEntry.Kind(rawValue: kind) else { throw CorruptRow(description: "unknown timeline kind \(kind)") }
            let author: String? = row["author"]
            return TimelineEntry(at: Timestamp(secondsSinceEpoch: row["at"]), author: author.map(PersonID.init(rawValue:)),
                                 kind: parsed, text: row["text"])
        }
    }

    // MARK: Scheduling

    func earliestDue(skipping: Set<Int>) throws -> Timestamp? {
        try writeHeldSaves()
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(next_due) FROM incident WHERE next_due IS NOT NULL"
                                                         + Self.leavingOut(skipping)))
            .map(Timestamp.init(secondsSinceEpoch:))
    }

    func incidentsDue(at instant: Timestamp, limit: Int, skipping: Set<Int>) throws -> DueIncidents {
        try writeHeldSaves()
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Self.incidentColumns) FROM incident
            WHERE next_due IS NOT NULL AND next_due <= ?\(Self.leavingOut(skipping)) ORDER BY next_due, number LIMIT ?
            """), arguments: [instant.secondsSinceEpoch, limit])
        var due = DueIncidents()
        for row in rows {
            let number: Int = row[0]
            try due.add(number) {
                let stored = try touched.incident(number: number, home: row[1], state: row[2], format: row[3], policy: row[4],
                                                  policies: policies, load: policyBody)
                touched.rowIndexed[number] = IndexedColumns(phase: row[5], nextDue: row[6])
                return stored
            }
        }
        return due
    }

    /// ` AND number NOT IN (...)` for `numbers` (integers, so written into the SQL), or nothing.
    static func leavingOut(_ numbers: Set<Int>) -> String {
        numbers.isEmpty ? "" : " AND number NOT IN (" + numbers.sorted().map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: Rooms and sync tokens

    func bindRoom(_ platform: Platform, roomID: String, name: String, incident: Int) throws {
        touched.roomsChanged()
        try execute("""
            INSERT INTO room (platform, room_id, name, incident) VALUES (?, ?, ?, ?)
            ON CONFLICT (platform, incident) DO UPDATE SET room_id = excluded.room_id, name = excluded.name
            """, arguments: [platform.rawValue, roomID, name, incident])
    }

    func boundRooms(_ platform: Platform) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT room_id FROM room WHERE platform = ?"), arguments: [platform.rawValue]))
    }

    func renamedRooms(_ platform: Platform) throws -> [String: String] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT incident.room AS asked, room.name AS made FROM room JOIN incident ON incident.number = room.incident
            WHERE room.platform = ? AND room.name <> incident.room
            """), arguments: [platform.rawValue])
        return Dictionary(rows.map { ($0["asked"] as String, $0["made"] as String) }, uniquingKeysWith: { first, _ in first })
    }

    func renamedRoom(_ platform: Platform, asked: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: """
            SELECT room.name FROM incident JOIN room ON room.incident = incident.number
            WHERE incident.room = ? AND room.platform = ? AND room.name <> incident.room
            """), arguments: [asked, platform.rawValue])
    }

    func roomID(_ platform: Platform, incident: Int) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT room_id FROM room WHERE platform = ? AND incident = ?"),
                            arguments: [platform.rawValue, incident])
    }

    func syncToken(_ platform: Platform) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT token FROM sync_token WHERE platform = ?"), arguments: [platform.rawValue])
    }

    func setSyncToken(_ platform: Platform, _ token: String) throws {
        try execute("INSERT INTO sync_token (platform, token) VALUES (?, ?) ON CONFLICT (platform) DO UPDATE SET token = excluded.token",
                    arguments: [platform.rawValue, token])
    }
}
