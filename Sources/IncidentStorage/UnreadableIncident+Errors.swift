import Foundation
import IncidentEngine

extension UnreadableIncident {
    /// Whether `error`, met reading an incident's row, says the row itself cannot be read by
    /// this version (a format it does not know, a policy missing, damaged JSON) rather than
    /// that the database failed: only such a row is set aside, a failing database fails the
    /// transaction as usual.
    public static func isUnreadable(_ error: any Error) -> Bool {
        error is CorruptRow || error is DecodingError
    }
}
