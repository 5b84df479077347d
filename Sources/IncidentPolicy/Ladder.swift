import IncidentCore

/// An escalation ladder (behaviour.md section 5): levels climbed one by one while the incident stays
/// unanswered, each with its own wait and severity gate.
public struct Ladder: Hashable, Sendable, Codable {
    /// `engineering`, `business`.
    public var id: String
    /// What stops the ladder for good.
    public var stopOn: Set<StopCondition>
    /// How many times the top level is paged again after its first page.
    public var repeatAtTop: RepeatLimit
    /// Whether a missed status update (past `escalate_after_missed`) steps this ladder.
    public var stepsOnMissedUpdate: Bool
    public var levels: [Level]

    /// Whether its pages ask their person for an answer: an acknowledgement stops it. A ladder
    /// that does not stop for one (the business ladder) only informs.
    public var asksForAnswers: Bool { stopOn.contains(.acknowledged) }

    /// The most repeats at the top a config may ask for (`repeat`, `repeat: { times }`), and the
    /// shortest interval at which the top is paged again (a level's `wait`, the default, and
    /// `repeat: { every }`): a typo must not page someone every second all night. A severity's
    /// escalation `levels:` times are bounded apart by `ShortestTimes.levelGap`.
    public static let mostRepeats = 100
    static let mostRepeatsWhy = ": repeats are bounded so nothing pages all night"
    public static let shortestWait: (least: Duration, why: String) = (.minutes(1), ": it is also how often the top level is paged again")

    public init(id: String, stopOn: Set<StopCondition>, repeatAtTop: RepeatLimit, stepsOnMissedUpdate: Bool, levels: [Level]) {
        self.id = id
        self.stopOn = stopOn
        self.repeatAtTop = repeatAtTop
        self.stepsOnMissedUpdate = stepsOnMissedUpdate
        self.levels = levels
    }

    enum CodingKeys: String, CodingKey {
        case id, stopOn, repeatAtTop, stepsOnMissedUpdate, levels
    }

    /// Sets in order: the same ladder always encodes alike (a stored policy is found by its
    /// JSON's digest).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(stopOn.map(\.rawValue).sorted(), forKey: .stopOn)
        try container.encode(repeatAtTop, forKey: .repeatAtTop)
        try container.encode(stepsOnMissedUpdate, forKey: .stepsOnMissedUpdate)
        try container.encode(levels, forKey: .levels)
    }

    public struct Level: Hashable, Sendable, Codable {
        /// `L1`.
        public var id: String
        /// `on-call engineer`.
        public var role: String
        /// How long the level has to answer before the next is paged.
        public var wait: Duration
        public var severities: Set<Severity>
        /// How the level is reached (`[voice, sms]` for an engineering manager): a page tries
        /// these first among the person's methods. Empty: the person's own order.
        public var methods: [ContactMethod]

        public init(id: String, role: String, wait: Duration, severities: Set<Severity>, methods: [ContactMethod] = []) {
            self.id = id
            self.role = role
            self.wait = wait
            self.severities = severities
            self.methods = methods
        }

        enum CodingKeys: String, CodingKey {
            case id, role, wait, severities, methods
        }

        /// Policies stored with incidents declared before level methods read as having none.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            role = try container.decode(String.self, forKey: .role)
            wait = try container.decode(Duration.self, forKey: .wait)
            severities = try container.decode(Set<Severity>.self, forKey: .severities)
            methods = try container.decodeIfPresent([ContactMethod].self, forKey: .methods) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(role, forKey: .role)
            try container.encode(wait, forKey: .wait)
            try container.encode(severities.map(\.rawValue).sorted(), forKey: .severities)
            try container.encode(methods, forKey: .methods)
        }
    }

    public enum StopCondition: String, Hashable, Sendable, Codable, CaseIterable {
        case acknowledged
        case mitigated
        case resolved
    }

    public enum RepeatLimit: Hashable, Sendable, Codable {
        case unlimited
        case times(Int)

        public func allows(_ repeatsDone: Int) -> Bool {
            switch self {
            case .unlimited: true
            case .times(let limit): repeatsDone < limit
            }
        }
    }

    public func reference(_ index: Int) -> LevelRef { LevelRef(ladder: id, level: levels[index].id) }

    public func index(of level: String) -> Int? { levels.firstIndex { $0.id == level } }

    /// Whether the ladder runs at all for `severity`.
    public func runs(at severity: Severity) -> Bool { firstLevel(at: severity) != nil }

    /// The lowest level eligible at `severity`, where the ladder starts.
    public func firstLevel(at severity: Severity) -> Int? {
        levels.firstIndex { $0.severities.contains(severity) }
    }

    /// The next level above `index` eligible at `severity`; nil at the top.
    public func nextLevel(after index: Int, at severity: Severity) -> Int? {
        levels.indices.first { $0 > index && levels[$0].severities.contains(severity) }
    }

    /// The highest level eligible at `severity`.
    public func topLevel(at severity: Severity) -> Int? {
        levels.lastIndex { $0.severities.contains(severity) }
    }
}
