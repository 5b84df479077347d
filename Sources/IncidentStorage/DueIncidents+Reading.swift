import Foundation
import IncidentEngine

extension DueIncidents {
    /// Adds the due incident numbered `number` as `read` reads its row, or, when the row itself
    /// cannot be read by this version (a format it does not know, a policy missing, damaged
    /// JSON), as unreadable with why. A failing database is not a row's fault: its error is
    /// thrown and fails the transaction as usual.
    public mutating func add(_ number: Int, _ read: () throws -> StoredIncident) throws {
        do {
            incidents.append(try read())
        } catch let error as UnreadableRow {
            unreadable.append(UnreadableIncident(number: number, reason: "\(error)"))
        }
    }
}
