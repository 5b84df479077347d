import IncidentCore

extension Policy {
    static let rootKeys = ["time_zone", "default_severity", "escalate_after_missed", "postmortem_reminder_every",
                           "snooze_max", "nudges_in_a_row", "working_hours", "severities", "ladders"]
    static let severityKeys = ["definition", "runbook", "update_every", "nudge", "page_at_once", "postmortem_due",
                               "escalation", "paging", "call", "targets"]
    static let ladderKeys = ["stop_on", "repeat", "steps_on_missed_update", "levels"]
    static let levelKeys = ["level", "role", "wait", "severities", "methods"]

    /// Reads a policy from the text of `file`; any problem is a `ConfigError` with its line.
    public static func load(yaml text: String, file: String) throws(ConfigError) -> Policy {
        let root = try ConfigNode.parse(text, file: file).mapping(keys: rootKeys)
        let zoneNode = root.optional("time_zone")
        let zoneName = try zoneNode?.string() ?? "UTC"
        guard let zone = LocalZone(identifier: zoneName) else {
            // Each refusal carries its own advice: appended here, it was given twice.
            throw zoneNode!.error(LocalZone.refusal(of: zoneName) ?? "unknown time zone")
        }
        let ladders = try loadLadders(try root.required("ladders"))
        var severities: [Severity: SeverityPolicy] = [:]
        let severitiesNode = try root.required("severities")
        for (key, node) in try severitiesNode.mapping().entries {
            guard let severity = Severity(rawValue: key.uppercased()) else {
                throw node.error("unknown severity “\(key)”; use P0, P1, P2 or P3")
            }
            guard severities[severity] == nil else {
                throw node.error("\(key) is \(severity.rawValue) again; give each severity's rules once")
            }
            severities[severity] = try loadSeverity(node, severity: severity, ladders: ladders)
        }
        let missing = Severity.allCases.filter { severities[$0] == nil }.map(\.rawValue)
        guard missing.isEmpty else {
            throw severitiesNode.error("every severity needs its rules; missing \(missing.joined(separator: ", "))")
        }
        let policy = Policy(
            timeZone: zone,
            defaultSeverity: try root.optional("default_severity")?.severity() ?? .p2,
            severities: severities,
            escalateAfterMissed: try root.optional("escalate_after_missed")?.int(min: 1) ?? 2,
            postmortemReminderEvery: try root.optional("postmortem_reminder_every")?.duration(atLeast: ShortestTimes.postmortemReminder) ?? .hours(24),
            ladders: ladders,
            workingHours: try root.optional("working_hours").map { node throws(ConfigError) in try loadWorkingHours(node) } ?? .office,
            snoozeMax: try root.optional("snooze_max").map { node throws(ConfigError) in try loadSnoozeMax(node) },
            nudgesInARow: try root.optional("nudges_in_a_row")?.int(min: 1))
        return policy
    }

    /// `snooze_max`: a length of time up to a day (a snooze is for a busy stretch, not for
    /// forgetting an incident).
    static func loadSnoozeMax(_ node: ConfigNode) throws(ConfigError) -> Duration {
        let duration = try node.duration()!
        guard duration <= .hours(24) else { throw node.error("must be at most 24h") }
        return duration
    }

    static func loadSeverity(_ node: ConfigNode, severity: Severity, ladders: [Ladder]) throws(ConfigError) -> SeverityPolicy {
        let map = try node.mapping(keys: severityKeys)
        var nudge: [Role] = []
        for item in try map.optional("nudge")?.list() ?? [] {
            let text = try item.string()
            guard let role = Role(rawValue: text.lowercased()) else {
                throw item.error("unknown role “\(text)”; use ic, comms, scribe or lead")
            }
            nudge.append(role)
        }
        var pageAtOnce: [LevelRef] = []
        for item in try map.optional("page_at_once")?.list() ?? [] {
            let text = try item.string()
            guard let ref = LevelRef(parsing: text), let ladder = ladders.first(where: { $0.id == ref.ladder }),
                  ladder.index(of: ref.level) != nil
            else {
                let known = ladders.flatMap { ladder in ladder.levels.map { "\(ladder.id).\($0.id)" } }
                throw item.error("unknown level “\(text)”; use one of \(known.joined(separator: ", "))")
            }
            pageAtOnce.append(ref)
        }
        let workingHoursOnly = try loadWorkingHoursOnly(map.optional("paging"), severity: severity)
        if workingHoursOnly, let first = try map.optional("page_at_once")?.list().first {
            throw first.error("a severity that pages only in working hours cannot page at once; set paging: around_the_clock")
        }
        return SeverityPolicy(
            definition: try map.required("definition").string(),
            runbook: try map.optional("runbook").map { node throws(ConfigError) in try loadRunbook(node) },
            updateEvery: try map.required("update_every").duration(allowNone: true, atLeast: ShortestTimes.updateCadence),
            nudge: nudge,
            pageAtOnce: pageAtOnce,
            postmortemDue: try map.optional("postmortem_due")?.duration(allowNone: true),
            escalation: try map.optional("escalation").map { node throws(ConfigError) in try loadEscalation(node, ladders: ladders) },
            workingHoursOnly: workingHoursOnly,
            call: try map.optional("call").map { node throws(ConfigError) in try loadCallTemplate(node) },
            targets: try map.optional("targets").map { node throws(ConfigError) in try loadTargets(node) })
    }

    /// `runbook`: the severity's runbook, posted as a link in every kickoff.
    static func loadRunbook(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.string()
        try refuseCredentials(text, node)
        guard ChatLink.isSafe(text, maxLength: runbookMaxLength) else {
            throw node.error("expected \(ChatLink.expected), of at most \(runbookMaxLength) characters, not “\(text.prefix(80))”")
        }
        return text
    }

    /// Longest runbook link: a wiki page's address, posted on its own line.
    static let runbookMaxLength = 1_000

    /// `call`: a link template every incident of the severity gets (`CallLink.filling`).
    /// A link the bot posts in rooms, pages and the topic must not carry a password: refused
    /// as the config's other URLs are, without repeating it.
    static func refuseCredentials(_ url: String, _ node: ConfigNode) throws(ConfigError) {
        guard URLCredentials.carried(by: url) else { return }
        throw node.error("the link \(URLCredentials.refused), and would be posted in every room, "
                         + "page and topic; give the address alone (the link is not shown here)")
    }

    static func loadCallTemplate(_ node: ConfigNode) throws(ConfigError) -> String {
        let template = try node.string().trimmingWhitespace()
        try refuseCredentials(template, node)
        if let problem = CallLink.problem(inTemplate: template) { throw node.error(problem) }
        return template
    }

    static func loadLadders(_ node: ConfigNode) throws(ConfigError) -> [Ladder] {
        var ladders: [Ladder] = []
        for (id, ladderNode) in try node.mapping().entries {
            guard isIdentifier(id) else {
                throw ladderNode.error("a ladder name is one word of letters, digits, - or _")
            }
            let map = try ladderNode.mapping(keys: ladderKeys)
            var stopOn: Set<Ladder.StopCondition> = []
            for item in try map.required("stop_on").list() {
                let text = try item.string()
                guard let condition = Ladder.StopCondition(rawValue: text) else {
                    throw item.error("unknown stop condition “\(text)”; use acknowledged, mitigated or resolved")
                }
                stopOn.insert(condition)
            }
            guard !stopOn.isEmpty else {
                throw try map.required("stop_on").error("nothing would stop the \(id) ladder before the incident is closed; list acknowledged, mitigated or resolved")
            }
            let repeatNode = try map.required("repeat")
            if try repeatNode.string() == "unlimited" {
                throw repeatNode.error("repeats are bounded so nothing pages all night; give a number (a severity may set its own under escalation)")
            }
            let repeatAtTop = Ladder.RepeatLimit.times(try repeatNode.int(max: Ladder.mostRepeats, why: Ladder.mostRepeatsWhy))
            let levelNodes = try map.required("levels").list()
            guard !levelNodes.isEmpty else { throw try map.required("levels").error("a ladder needs at least one level") }
            var levels: [Ladder.Level] = []
            for levelNode in levelNodes {
                let level = try loadLevel(levelNode)
                guard !levels.contains(where: { $0.id == level.id }) else {
                    throw levelNode.error("level \(level.id) appears twice in ladder \(id)")
                }
                levels.append(level)
            }
            ladders.append(Ladder(id: id, stopOn: stopOn, repeatAtTop: repeatAtTop,
                                  stepsOnMissedUpdate: try map.optional("steps_on_missed_update")?.bool() ?? false,
                                  levels: levels))
        }
        guard !ladders.isEmpty else { throw node.error("define at least one ladder") }
        return ladders
    }

    static func loadLevel(_ node: ConfigNode) throws(ConfigError) -> Ladder.Level {
        let map = try node.mapping(keys: levelKeys)
        let idNode = try map.required("level")
        let id = try idNode.string()
        guard isIdentifier(id) else { throw idNode.error("a level name is one word, like L1") }
        var severities: Set<Severity> = []
        for item in try map.required("severities").list() { severities.insert(try item.severity()) }
        guard !severities.isEmpty else { throw try map.required("severities").error("name at least one severity") }
        return Ladder.Level(id: id, role: try map.required("role").string(),
                            wait: try map.required("wait").duration(atLeast: Ladder.shortestWait)!, severities: severities,
                            methods: try map.optional("methods").map(loadMethods) ?? [])
    }

    /// A level's `methods:`: contact methods, or `chat` (Slack and Matrix) and `phone` (a call,
    /// then a text) for short.
    static func loadMethods(_ node: ConfigNode) throws(ConfigError) -> [ContactMethod] {
        var methods: [ContactMethod] = []
        for item in try node.list() {
            let name = try item.string()
            let named: [ContactMethod]
            switch name {
            case "chat": named = [.slack, .matrix]
            case "phone": named = [.voice, .sms]
            default:
                guard let method = ContactMethod(rawValue: name), method != .console else {
                    throw item.error("a level's method is chat, phone, slack, matrix, email, sms, voice, pagerduty or webhook, not “\(name)”")
                }
                named = [method]
            }
            methods += named.filter { !methods.contains($0) }
        }
        guard !methods.isEmpty else { throw node.error("list at least one method, or leave methods: out") }
        return methods
    }

    static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 40 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
