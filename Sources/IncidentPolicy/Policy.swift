import IncidentCore

/// Severities, update cadence and escalation ladders: behaviour.md sections 4 and 5 as data.
///
/// A copy is stored with every incident at declaration, so later edits of the config apply to
/// new incidents only.
public struct Policy: Hashable, Sendable, Codable {
    /// Room-name dates and the times people read are in this zone.
    public var timeZone: LocalZone
    /// The severity of a declaration that names none.
    public var defaultSeverity: Severity
    public var severities: [Severity: SeverityPolicy]
    /// Missed status updates after which each further miss steps a ladder (behaviour.md section 4).
    public var escalateAfterMissed: Int
    /// How often an overdue post-mortem is reminded of, after its due time.
    public var postmortemReminderEvery: Duration
    /// The ladders, in the order they are shown.
    public var ladders: [Ladder]

    public init(timeZone: LocalZone, defaultSeverity: Severity, severities: [Severity: SeverityPolicy],
                escalateAfterMissed: Int, postmortemReminderEvery: Duration, ladders: [Ladder]) {
        self.timeZone = timeZone
        self.defaultSeverity = defaultSeverity
        self.severities = severities
        self.escalateAfterMissed = escalateAfterMissed
        self.postmortemReminderEvery = postmortemReminderEvery
        self.ladders = ladders
    }

    /// The rules for `severity`. Every severity is present in a loaded policy.
    public subscript(severity: Severity) -> SeverityPolicy {
        severities[severity] ?? SeverityPolicy(definition: severity.rawValue)
    }

    public func ladder(_ id: String) -> Ladder? { ladders.first { $0.id == id } }

    /// How often `severity` wants a status update; nil: as needed.
    public func updateInterval(_ severity: Severity) -> Duration? { self[severity].updateEvery }
}

/// What a severity means and demands.
public struct SeverityPolicy: Hashable, Sendable, Codable {
    public var definition: String
    public var runbook: String?
    /// Status-update cadence; nil: updates as needed, no nudges.
    public var updateEvery: Duration?
    /// Who a nudge mentions when an update is overdue.
    public var nudge: [Role]
    /// Levels paged at once when an incident is declared at or raised to this severity.
    public var pageAtOnce: [LevelRef]
    /// When the post-mortem is due after resolution; nil: no post-mortem reminders.
    public var postmortemDue: Duration?

    public init(definition: String, runbook: String? = nil, updateEvery: Duration? = nil, nudge: [Role] = [],
                pageAtOnce: [LevelRef] = [], postmortemDue: Duration? = nil) {
        self.definition = definition
        self.runbook = runbook
        self.updateEvery = updateEvery
        self.nudge = nudge
        self.pageAtOnce = pageAtOnce
        self.postmortemDue = postmortemDue
    }
}

/// A level of a ladder, named from outside the ladder: `engineering.L4`.
public struct LevelRef: Hashable, Sendable, Codable, CodingKeyRepresentable, CustomStringConvertible {
    public var ladder: String
    public var level: String

    public init(ladder: String, level: String) {
        self.ladder = ladder
        self.level = level
    }

    public init?(parsing text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2 else { return nil }
        self.init(ladder: String(parts[0]), level: String(parts[1]))
    }

    public var description: String { ladder + "." + level }

    public var codingKey: any CodingKey { LevelKey(stringValue: description) }

    public init?<T: CodingKey>(codingKey: T) { self.init(parsing: codingKey.stringValue) }

    struct LevelKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
