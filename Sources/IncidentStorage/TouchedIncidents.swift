import IncidentEngine

/// The incidents one transaction has read or saved, decoded, and which saves it still holds
/// back: within a transaction an incident is decoded at most once and written at most once
/// more after its first save, however many events of the batch touch it. Lives and dies with
/// its transaction (a rollback drops it), on the store's connection only.
public final class TouchedIncidents {
    public private(set) var incidents: [Int: StoredIncident] = [:]
    private var heldSaves: Set<Int> = []

    public init() {}

    /// An incident decoded from its row.
    public func remember(_ stored: StoredIncident) {
        incidents[stored.incident.number] = stored
    }

    /// Keeps the incident's new state; true when its row must be written now (a new
    /// incident, whose number and room others must find at once), false when the write is
    /// held back to `takeHeldSaves`.
    public func save(_ stored: StoredIncident) -> Bool {
        let number = stored.incident.number
        let held = incidents[number] != nil
        incidents[number] = stored
        if held { heldSaves.insert(number) }
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
