import IncidentRules

/// The phases of an incident that is not closed, as the stores' SQL lists them: `phase IN
/// (...)` is served by the `incident_open (phase, number)` index, where `phase <> 'closed'` made
/// both SQLite and PostgreSQL read every incident ever declared, each one's state with it, for
/// an SMS `ACK` or an `/incident list` after years of closed incidents.
public enum OpenPhases {
    public static let phases = Incident.Phase.allCases.filter { $0 != .closed }
    /// `('investigating', 'mitigated', 'resolved')`: constants of the code, never input.
    public static let sqlList = "(" + phases.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
}
