import IncidentEngine

/// The incidents one transaction has read or saved, decoded, and which saves it still holds
/// back: within a transaction an incident is decoded at most once and written at most once
/// more after its first save, however many events of the batch touch it. Lives and dies with
/// its transaction (a rollback drops it), on the store's connection only.
final class TouchedIncidents {
    var incidents: [Int: StoredIncident] = [:]
    var heldSaves: Set<Int> = []
}
