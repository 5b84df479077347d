/// How a command names an incident outside its room: `INC-42` or `#incident-20261122-db-outage`.
public enum IncidentRef: Hashable, Sendable, Codable, CustomStringConvertible {
    case number(Int)
    case room(String)

    public var description: String {
        switch self {
        case .number(let n): "INC-\(n)"
        case .room(let name): "#" + name
        }
    }

    /// Reads `INC-42` (any case), `#incident-...`, `incident-...`, or Slack's `<#C0123|incident-...>`.
    public init?(parsing token: String) {
        let lowered = token.lowercased()
        if lowered.hasPrefix("inc-"), let n = Int(lowered.dropFirst(4)), n > 0, n < 1_000_000_000 {
            self = .number(n)
            return
        }
        var name = Substring(lowered)
        if name.hasPrefix("<#"), name.hasSuffix(">"), let bar = name.firstIndex(of: "|") {
            name = name[name.index(after: bar)..<name.index(before: name.endIndex)]
        }
        if name.hasPrefix("#") { name = name.dropFirst() }
        if let colon = name.firstIndex(of: ":") { name = name[..<colon] } // Matrix alias server part
        guard name.hasPrefix("incident-"), RoomName.isValid(String(name)) else { return nil }
        self = .room(String(name))
    }
}
