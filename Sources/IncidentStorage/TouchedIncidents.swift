import IncidentCore
import IncidentEngine
import IncidentRules

/// The incidents one transaction has read or saved, decoded, and which saves it still holds
/// back: within a transaction an incident is decoded at most once and written at most once
/// more after its first save, however many events of the batch touch it. Lives and dies with
/// its transaction (a rollback drops it), on the store's connection only.
public final class TouchedIncidents {
    public private(set) var incidents: [Int: StoredIncident] = [:]
    private var heldSaves: Set<Int> = []
    /// The policy digests this transaction's writes referred to: stored by the time it
    /// commits, for `PolicySnapshots.confirm`.
    public var policies: Set<String> = []
    /// Which incident a room name or a platform's room id belongs to (nil: none), as this
    /// transaction has looked it up: every event of a batch asks for the room it came from, and
    /// most come from the same few. Forgotten whenever the transaction adds an incident or
    /// binds a room, the only writes that change the answers.
    private var rooms: [RoomKey: Int?] = [:]

    public enum RoomKey: Hashable {
        case name(String)
        case id(Platform, String)
    }

    /// The incident number for `key`, looked up once per transaction through `lookup`.
    public func incidentNumber(_ key: RoomKey, lookup: () throws -> Int?) rethrows -> Int? {
        if let known = rooms[key] { return known }
        let number = try lookup()
        rooms[key] = number
        return number
    }

    /// The transaction added an incident or bound a room.
    public func roomsChanged() {
        rooms.removeAll()
    }

    /// The store's incidents decoded across transactions; nil: decode every row read.
    public let decoded: DecodedIncidents?

    public init(decoded: DecodedIncidents? = nil) {
        self.decoded = decoded
    }

    /// The incident in a row (its `number`, `home`, `state`, `format` and `policy` columns):
    /// the one this transaction holds already, or the row decoded (policies through
    /// `policies`, whose bodies `load` reads) and held from now on.
    public func incident(number: Int, home: String, state: String, format: Int, policy digest: String?,
                         policies: PolicySnapshots, load: (String) throws -> String?) throws -> StoredIncident {
        if let known = incidents[number] { return known }
        guard let platform = Platform(rawValue: home) else { throw CorruptRow(description: "unknown platform \(home)") }
        let incident = try withoutActuallyEscaping(load) { load in
            let decode = { try StateCoding.decodeIncident(state: state, format: format, policy: digest, policies: policies, load: load) }
            return try decoded?.incident(number: number, state: state, format: format, policy: digest, decode: decode) ?? decode()
        }
        let stored = StoredIncident(incident: incident, home: platform)
        incidents[number] = stored
        rowRoles[number] = incident.roles
        return stored
    }

    /// The indexed columns of an incident's row (besides its number and room, which never
    /// change), as this transaction read or last wrote them: a save that leaves them as they
    /// are need not name them (`IndexedColumns`).
    public var rowIndexed: [Int: IndexedColumns] = [:]

    /// The roles each incident's participant rows hold in this transaction, as its row was
    /// read or last written: the two are always written together.
    private var rowRoles: [Int: [Role: PersonID]] = [:]

    /// What a write of `incident`'s row must write beside it: the counter when this
    /// transaction has neither read nor written the incident (a new one; its number must
    /// never be handed out again), the participant rows when its roles are not what they hold.
    public func companionsToWrite(_ incident: Incident) -> (counter: Bool, participants: Bool) {
        let known = rowRoles[incident.number]
        rowRoles[incident.number] = incident.roles
        return (counter: known == nil, participants: known != incident.roles)
    }

    /// Keeps the incident's new state; true when its row must be written now (a new
    /// incident, whose number and room others must find at once), false when the write is
    /// held back to `takeHeldSaves`.
    public func save(_ stored: StoredIncident) -> Bool {
        let number = stored.incident.number
        let held = incidents[number] != nil
        incidents[number] = stored
        if held { heldSaves.insert(number) } else { roomsChanged() }
        return !held
    }

    /// The saves held back, by number, to be written now; none is held after.
    public func takeHeldSaves() -> [StoredIncident] {
        guard !heldSaves.isEmpty else { return [] }
        let saves = heldSaves.sorted().compactMap { incidents[$0] }
        heldSaves.removeAll()
        return saves
    }
}

/// An incident row's columns that indexes hold: its phase (the open incidents) and when it is
/// next due (the scheduler's). SQLite rewrites an index's entry for every column an UPDATE
/// names, whether or not its value changes: a note saved two index pages a commit for
/// nothing, about a tenth of what the commit wrote to the log.
public struct IndexedColumns: Equatable, Sendable {
    public var phase: String
    public var nextDue: Int64?

    public init(phase: String, nextDue: Int64?) {
        self.phase = phase
        self.nextDue = nextDue
    }
}
