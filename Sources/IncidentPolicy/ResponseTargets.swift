import IncidentCore

/// How soon a severity's incidents should be acknowledged, mitigated and resolved (the plans'
/// response targets), each counted from the declaration. A target not given is not tracked.
public struct ResponseTargets: Hashable, Sendable, Codable {
    public var acknowledge: Duration?
    public var mitigate: Duration?
    public var resolve: Duration?

    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case acknowledge, mitigate, resolve

        /// "to acknowledge".
        public var phrase: String { "to \(rawValue)" }
    }

    public init(acknowledge: Duration? = nil, mitigate: Duration? = nil, resolve: Duration? = nil) {
        self.acknowledge = acknowledge
        self.mitigate = mitigate
        self.resolve = resolve
    }

    public subscript(kind: Kind) -> Duration? {
        switch kind {
        case .acknowledge: acknowledge
        case .mitigate: mitigate
        case .resolve: resolve
        }
    }

    /// The warning comes when this share of a target's time is gone (a fifth is left).
    public static let warnAtPercent: Int64 = 80

    /// When the room is warned that `target` is close to running out.
    public static func warning(for target: Duration) -> Duration {
        .seconds(target.wholeSeconds * warnAtPercent / 100)
    }
}

extension Policy {
    static let targetKeys = ResponseTargets.Kind.allCases.map(\.rawValue)

    /// `targets: {acknowledge: 15m, mitigate: 4h, resolve: 1d}`; each optional, each a duration.
    static func loadTargets(_ node: ConfigNode) throws(ConfigError) -> ResponseTargets {
        let map = try node.mapping(keys: targetKeys)
        return ResponseTargets(acknowledge: try map.optional("acknowledge")?.duration(atLeast: ShortestTimes.target),
                               mitigate: try map.optional("mitigate")?.duration(atLeast: ShortestTimes.target),
                               resolve: try map.optional("resolve")?.duration(atLeast: ShortestTimes.target))
    }
}
