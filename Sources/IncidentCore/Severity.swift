/// How bad an incident is. P0 is the worst; ordering follows urgency, so `P0 < P1` is false
/// and `P0.isMoreSevere(than: P1)` is true.
public enum Severity: String, CaseIterable, Hashable, Sendable, Codable, CodingKeyRepresentable, CustomStringConvertible {
    case p0 = "P0"
    case p1 = "P1"
    case p2 = "P2"
    case p3 = "P3"

    public var description: String { rawValue }

    /// 0 for P0 ... 3 for P3.
    public var rank: Int {
        switch self {
        case .p0: 0
        case .p1: 1
        case .p2: 2
        case .p3: 3
        }
    }

    public func isMoreSevere(than other: Severity) -> Bool { rank < other.rank }

    /// The words `init(parsing:)` reads as severities, lowercased: one list for it and for a
    /// title's labels (`TitleSeverity`).
    public static let byWord: [String: Severity] = [
        "critical": .p0, "high": .p1, "major": .p1, "medium": .p2, "moderate": .p2, "low": .p3, "minor": .p3,
    ]

    /// Reads a severity as responders type it.
    ///
    /// Accepted, in any case: `P1`, `P-1`, `sev1`, `sev-1`, `sev 1` (as one token `sev1` only), `S1`,
    /// and the words `critical` (P0), `high` / `major` (P1), `medium` / `moderate` (P2),
    /// `low` / `minor` (P3). The number always means the same P-level: `SEV-1` is P1.
    public init?(parsing text: String) {
        let lowered = text.lowercased()
        if let severity = Self.byWord[lowered] {
            self = severity
            return
        }
        var rest = Substring(lowered)
        for prefix in ["sev", "p", "s"] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
            break
        }
        guard rest.count != lowered.count else { return nil }
        if rest.hasPrefix("-") || rest.hasPrefix("_") { rest = rest.dropFirst() }
        switch rest {
        case "0": self = .p0
        case "1": self = .p1
        case "2": self = .p2
        case "3": self = .p3
        default: return nil
        }
    }
}
