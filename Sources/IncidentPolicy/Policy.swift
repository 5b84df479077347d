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
    /// When severities that page only in working hours may page; nil: `WorkingHours.office`
    /// (and in policies stored before working hours existed).
    public var workingHours: WorkingHours?
    /// The longest `/incident snooze`; nil: `defaultSnoozeMax` (and in policies stored before
    /// snoozes existed).
    public var snoozeMax: Duration?
    /// The most nudges in a row for an incident without an update (`nudges_in_a_row`); nil:
    /// `defaultNudgesInARow` (and in policies stored before nudges were bounded).
    public var nudgesInARow: Int?

    /// The longest snooze when the policy names none.
    public static let defaultSnoozeMax = Duration.hours(1)

    /// The longest `/incident snooze` this policy allows.
    public var longestSnooze: Duration { snoozeMax ?? Self.defaultSnoozeMax }

    /// The most nudges in a row when the policy names none: four hours of a P1's, two of a
    /// P0's, two working days of a P2's.
    public static let defaultNudgesInARow = 8

    /// The most nudges in a row this policy allows, each mentioning its people, before the
    /// bot stops nudging until an update comes (`Transition.nudge`).
    public var mostNudgesInARow: Int { nudgesInARow ?? Self.defaultNudgesInARow }

    public init(timeZone: LocalZone, defaultSeverity: Severity, severities: [Severity: SeverityPolicy],
                escalateAfterMissed: Int, postmortemReminderEvery: Duration, ladders: [Ladder],
                workingHours: WorkingHours? = nil, snoozeMax: Duration? = nil, nudgesInARow: Int? = nil) {
        self.timeZone = timeZone
        self.defaultSeverity = defaultSeverity
        self.severities = severities
        self.escalateAfterMissed = escalateAfterMissed
        self.postmortemReminderEvery = postmortemReminderEvery
        self.ladders = ladders
        self.workingHours = workingHours
        self.snoozeMax = snoozeMax
        self.nudgesInARow = nudgesInARow
    }

    /// The rules for `severity`. Every severity is present in a loaded policy.
    public subscript(severity: Severity) -> SeverityPolicy {
        severities[severity] ?? SeverityPolicy(definition: severity.rawValue)
    }

    public func ladder(_ id: String) -> Ladder? { ladders.first { $0.id == id } }

    /// The ladders whose pages ask for an answer (`Ladder.asksForAnswers`).
    public var askingLadders: Set<String> { Set(ladders.filter(\.asksForAnswers).map(\.id)) }

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
    /// Per ladder, how this severity climbs it; a ladder not named climbs by its levels' own
    /// waits and severity gates and its own repeat count. (Optional fields here and below:
    /// policies stored with older incidents lack them.)
    public var escalation: [String: LadderOverride]?
    /// Pages only in the policy's working hours, holding them until the next working period;
    /// nil or false: around the clock.
    public var workingHoursOnly: Bool?
    /// The link to an incident's call, as a template (`CallLink.filling`); nil: no call link
    /// unless someone sets one (`/incident call`).
    public var call: String?
    /// How soon incidents of this severity should be acknowledged, mitigated, resolved; nil:
    /// none tracked.
    public var targets: ResponseTargets?

    public init(definition: String, runbook: String? = nil, updateEvery: Duration? = nil, nudge: [Role] = [],
                pageAtOnce: [LevelRef] = [], postmortemDue: Duration? = nil, escalation: [String: LadderOverride]? = nil,
                workingHoursOnly: Bool? = nil, call: String? = nil, targets: ResponseTargets? = nil) {
        self.definition = definition
        self.runbook = runbook
        self.updateEvery = updateEvery
        self.nudge = nudge
        self.pageAtOnce = pageAtOnce
        self.postmortemDue = postmortemDue
        self.escalation = escalation
        self.workingHoursOnly = workingHoursOnly
        self.call = call
        self.targets = targets
    }

    /// How a severity climbs one ladder.
    public struct LadderOverride: Hashable, Sendable, Codable {
        /// The levels used, in order, with when each is reached after the ladder starts; nil:
        /// the levels' own waits and severity gates.
        public var levels: [LevelTime]?
        /// How often and how many times the top level is paged again; nil: the ladder's
        /// `repeat` count, at the top level's wait.
        public var repeatTop: TopRepeat?

        public init(levels: [LevelTime]? = nil, repeatTop: TopRepeat? = nil) {
            self.levels = levels
            self.repeatTop = repeatTop
        }
    }

    /// A level and when it is reached after its ladder starts: `L3` at 1 h.
    public struct LevelTime: Hashable, Sendable, Codable {
        public var level: String
        public var after: Duration

        public init(level: String, after: Duration) {
            self.level = level
            self.after = after
        }
    }

    /// The top level is paged again `times` times, `every` apart (nil: the top level's wait).
    public struct TopRepeat: Hashable, Sendable, Codable {
        public var times: Int
        public var every: Duration?

        public init(times: Int, every: Duration? = nil) {
            self.times = times
            self.every = every
        }
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
