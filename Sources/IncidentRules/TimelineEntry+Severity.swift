import IncidentCore

extension TimelineEntry {
    /// The severity this entry put the incident at: a declaration's (`Declared P1 …`,
    /// `Declared private P1 …`) or a change's (`Raised severity P2 → P0…`); nil for any other.
    /// Read back from the words `Incident.declare` and `changeSeverity` write, so a report can
    /// judge each status update by the severity in force when it came.
    public var severitySet: Severity? {
        switch kind {
        case .declared:
            var words = text.split(separator: " ", maxSplits: 3).dropFirst()
            if words.first == "private" { words = words.dropFirst() }
            return words.first.flatMap { Severity(rawValue: String($0)) }
        case .severityChanged:
            guard text.hasPrefix("Raised severity ") || text.hasPrefix("Lowered severity "),
                  let arrow = text.range(of: " → ") else { return nil }
            return Severity(rawValue: String(text[arrow.upperBound...].prefix(2)))
        default:
            return nil
        }
    }
}
