import IncidentCore

/// Loading the parts of a severity that say when its pages go out: the escalation matrix,
/// the bound on repeats, and working hours.
extension Policy {
    static let workingHoursKeys = ["days", "hours"]
    static let repeatTopKeys = ["times", "every"]
    static let overrideKeys = ["levels", "repeat"]
    static let pagingValues = ["around_the_clock", "working_hours"]

    /// `working_hours: { days: [Mon, Tue, Wed, Thu, Fri], hours: "09:00-17:00" }`.
    static func loadWorkingHours(_ node: ConfigNode) throws(ConfigError) -> WorkingHours {
        let map = try node.mapping(keys: workingHoursKeys)
        var days: Set<Int> = []
        let daysNode = try map.required("days")
        for item in try daysNode.list() {
            let text = try item.string()
            guard let index = WorkingHours.dayNames.firstIndex(where: { $0.lowercased() == text.lowercased() }) else {
                throw item.error("unknown day “\(text)”; use Mon, Tue, Wed, Thu, Fri, Sat or Sun")
            }
            days.insert(index + 1)
        }
        guard !days.isEmpty else { throw daysNode.error("name at least one working day") }
        let hoursNode = try map.required("hours")
        let text = try hoursNode.string()
        // The en dash too: `check-config` and the 🌙 message print hours with one, and a copy
        // of that refused as not "09:00-17:00" looks the same on screen.
        let ends = text.split(omittingEmptySubsequences: false, whereSeparator: { "-–—".contains($0) }).map { minuteOfDay(String($0)) }
        guard ends.count == 2, let start = ends[0], let end = ends[1], start < end else {
            throw hoursNode.error("expected hours like 09:00-17:00 (start before end, same day), not “\(text)”")
        }
        return WorkingHours(days: days, start: start, end: end)
    }

    /// `09:00` -> 540; `24:00` -> 1440 (an end at midnight); nil for anything else.
    static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.trimmingWhitespace().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...59).contains(minute),
              (0...23).contains(hour) || (hour == 24 && minute == 0)
        else { return nil }
        return hour * 60 + minute
    }

    /// `escalation: { engineering: { levels: { L1: 0m, L2: 30m, L3: 1h }, repeat: { times: 4, every: 30m } } }`:
    /// per ladder, the levels this severity uses, in the ladder's order, with when each is
    /// reached after the ladder starts, and how the top is paged again.
    static func loadEscalation(_ node: ConfigNode, ladders: [Ladder]) throws(ConfigError) -> [String: SeverityPolicy.LadderOverride] {
        var escalation: [String: SeverityPolicy.LadderOverride] = [:]
        for (ladderID, ladderNode) in try node.mapping(keys: ladders.map(\.id)).entries {
            let ladder = ladders.first { $0.id == ladderID }!
            let map = try ladderNode.mapping(keys: overrideKeys)
            escalation[ladderID] = SeverityPolicy.LadderOverride(
                levels: try map.optional("levels").map { node throws(ConfigError) in try loadLevelTimes(node, ladder: ladder) },
                repeatTop: try map.optional("repeat").map { node throws(ConfigError) in try loadRepeatTop(node) })
        }
        return escalation
    }

    static func loadLevelTimes(_ node: ConfigNode, ladder: Ladder) throws(ConfigError) -> [SeverityPolicy.LevelTime] {
        var times: [SeverityPolicy.LevelTime] = []
        var lastIndex = -1
        for (level, timeNode) in try node.mapping(keys: ladder.levels.map(\.id)).entries {
            let index = ladder.index(of: level)!
            guard index > lastIndex else {
                throw timeNode.error("list the \(ladder.id) levels in the ladder's order (\(ladder.levels.map(\.id).joined(separator: ", ")))")
            }
            let after = try timeNode.duration(positive: false)!
            if let previous = times.last, after - previous.after < ShortestTimes.levelGap.least {
                throw timeNode.error("\(level) must be reached at least \(DurationText.format(ShortestTimes.levelGap.least)) after "
                    + "\(previous.level) (\(DurationText.format(previous.after)))\(ShortestTimes.levelGap.why), not \(DurationText.format(after))")
            }
            if times.isEmpty, after != .zero {
                throw timeNode.error("the first level is reached when the ladder starts: write \(level): 0m")
            }
            times.append(SeverityPolicy.LevelTime(level: level, after: after))
            lastIndex = index
        }
        guard !times.isEmpty else { throw node.error("name at least one level, like L1: 0m") }
        return times
    }

    /// `repeat: { times: 4, every: 30m }`.
    static func loadRepeatTop(_ node: ConfigNode) throws(ConfigError) -> SeverityPolicy.TopRepeat {
        // A ladder's own `repeat` is a bare number; a severity's says how often too.
        if let written = try? node.string() {
            if written == "unlimited" {
                throw node.error("repeats are bounded so nothing pages all night; give a number, like repeat: { times: 4, every: 30m }")
            }
            throw node.error("a severity's repeat says how many times and how often, like repeat: { times: 4, every: 30m }, not “\(written)”")
        }
        let map = try node.mapping(keys: repeatTopKeys)
        return SeverityPolicy.TopRepeat(times: try map.required("times").int(max: Ladder.mostRepeats, why: Ladder.mostRepeatsWhy),
                                        every: try map.optional("every")?.duration(atLeast: Ladder.shortestWait))
    }

    /// `paging: around_the_clock | working_hours`; by default P0 and P1 page around the clock,
    /// P2 and P3 in working hours.
    static func loadWorkingHoursOnly(_ node: ConfigNode?, severity: Severity) throws(ConfigError) -> Bool {
        guard let node else { return severity == .p2 || severity == .p3 }
        let text = try node.string()
        guard let value = pagingValues.firstIndex(of: text) else {
            throw node.error("expected around_the_clock or working_hours, not “\(text)”")
        }
        return value == 1
    }
}
