import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules

/// `incident-bot report --since 30d`: counts by severity; time to acknowledge, mitigate and
/// resolve per severity (median and p90); how often status updates came on time; how far each
/// ladder climbed. Everything is measured from the stored timelines and page records.
public struct IncidentReport: Sendable {
    public struct Row: Hashable, Sendable {
        public var severity: Severity
        public var count: Int
        public var toAcknowledge: [Duration]
        public var toMitigate: [Duration]
        public var toResolve: [Duration]
        /// From the impact's start to the declaration, where someone gave the start.
        public var toDetect: [Duration] = []
        /// Per response target of the severity: how many incidents met it, of those where it
        /// is decided (met, or run out by the report's `now`).
        public var targets: [ResponseTargets.Kind: TargetCount] = [:]
        /// Whether the policy gave the severity's incidents response targets at all.
        public var hasTargets = false
    }

    public struct TargetCount: Hashable, Sendable {
        public var met = 0
        public var decided = 0
    }

    public var since: Timestamp
    public var now: Timestamp
    public var rows: [Row]
    /// Status updates posted before they were due.
    public var updatesOnTime: Int
    /// Status-update deadlines that passed with no update (one per deadline missed).
    public var updatesMissed: Int
    /// For each ladder, how many incidents its climb reached each level in (the highest level paged).
    public var ladderReach: [(ladder: String, levels: [(level: String, incidents: Int)])]
    /// Open action items past their due day, as `INC-4 A1 @bob text (due 2026-11-26)`.
    public var overdueActions: [String]
    /// Incidents of the span this version could not read (a newer version's, or damaged),
    /// left out of every figure and named.
    public var unreadable: [Int]

    /// `unclosed`: the incidents whose action items may be overdue, declared in the span or
    /// before it (follow-ups fall due weeks after their incident); nil: the span's.
    public init(incidents: [(StoredIncident, [TimelineEntry])], since: Timestamp, now: Timestamp, unreadable: [Int] = [],
                unclosed: [StoredIncident]? = nil) {
        self.since = since
        self.now = now
        self.unreadable = unreadable
        var rows: [Severity: Row] = [:]
        var onTime = 0
        var missed = 0
        var reach: [String: [String: Int]] = [:]
        var ladderOrder: [(String, [String])] = []
        var overdueActions: [String] = []
        for incident in (unclosed ?? incidents.map(\.0)).map(\.incident).sorted(by: { $0.number < $1.number }) {
            for item in incident.actionItems where item.isOverdue(at: now, zone: incident.policy.timeZone) {
                // A report is read and passed on beyond a private incident's members: its items by owner only.
                let what = incident.isPrivate ? "(private incident)" : item.text
                overdueActions.append("\(incident.id) \(item.id) \(item.owner.handle) \(what) (due \(item.dueDay ?? "-"))")
            }
        }
        // Declared after now (a clock that ran ahead, a drill on a manual clock) is no part of
        // a period that ends now.
        for (stored, whole) in incidents where stored.incident.declaredAt <= now {
            let incident = stored.incident
            // What came after now (the same clock) is no part of the period either.
            let timeline = whole.filter { $0.at <= now }
            let durations = IncidentDurations(timeline: timeline)
            var row = rows[incident.severity] ?? Row(severity: incident.severity, count: 0, toAcknowledge: [], toMitigate: [], toResolve: [])
            row.count += 1
            if let value = durations.toAcknowledge { row.toAcknowledge.append(value) }
            if let value = durations.toMitigate { row.toMitigate.append(value) }
            if let value = durations.toResolve { row.toResolve.append(value) }
            if let value = incident.timeToDetect { row.toDetect.append(value) }
            let clocks = incident.responseClocks
            row.hasTargets = row.hasTargets || !clocks.isEmpty
            for var clock in clocks {
                // Reached after now (the same clock) is not reached yet, as of the report.
                if let reached = clock.reachedAt, reached > now { clock.reachedAt = nil }
                guard let met = clock.outcome(at: now) else { continue }
                row.targets[clock.target, default: TargetCount()].met += met ? 1 : 0
                row.targets[clock.target, default: TargetCount()].decided += 1
            }
            rows[incident.severity] = row

            // An update meets the deadline in force unless a miss came first; only while the
            // incident is open, and only under a severity with a cadence when it came (a P3's
            // updates meet no deadline: it has none, even if it was raised to P1 later).
            var overdue = false
            var open = true
            var severity = timeline.lazy.compactMap(\.severitySet).first ?? incident.severity
            for entry in timeline {
                if let set = entry.severitySet { severity = set }
                let hasCadence = incident.policy.updateInterval(severity) != nil
                switch entry.kind {
                case .updateMissed:
                    missed += 1
                    overdue = true
                // The bot's entry for a mitigation that did not hold goes with a responder's
                // update, which counts; it counted as a second one.
                case .statusUpdate where !entry.isMitigationNotHeld:
                    if !overdue, open, hasCadence { onTime += 1 }
                    overdue = false
                case .resolved, .closed:
                    open = false
                default: break
                }
            }

            for ladder in incident.policy.ladders {
                if !ladderOrder.contains(where: { $0.0 == ladder.id }) { ladderOrder.append((ladder.id, ladder.levels.map(\.id))) }
                // Climbed to, not paged at once for the severity: a P0's VP is paged at the
                // declaration, which says nothing of how far the ladder had to go. Paged by now,
                // as the timeline is read (a clock that ran ahead paged later than the report's now).
                let reached = ladder.levels.indices.last { index in
                    incident.pages.contains {
                        $0.level == ladder.reference(index) && $0.withdrawn != true && $0.reason != .immediate && $0.at <= now
                    }
                }
                if let reached { reach[ladder.id, default: [:]][ladder.levels[reached].id, default: 0] += 1 }
            }
        }
        self.rows = Severity.allCases.compactMap { rows[$0] }
        self.updatesOnTime = onTime
        self.updatesMissed = missed
        self.overdueActions = overdueActions
        self.ladderReach = ladderOrder.map { ladder, levels in
            (ladder, levels.map { ($0, reach[ladder]?[$0] ?? 0) })
        }
    }

    /// The nearest-rank percentile `p` (0...100) of `values`, except the median of an even
    /// count, which is the midpoint of the two middle values (the lower one alone would give
    /// two incidents' best case); nil when there are none.
    public static func percentile(_ values: [Duration], _ p: Int) -> Duration? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        if p == 50, sorted.count.isMultiple(of: 2) {
            let upper = sorted.count / 2
            return sorted[upper - 1] + (sorted[upper] - sorted[upper - 1]) / 2
        }
        let rank = Int((Double(p) / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    public func text(zone: LocalZone) -> String {
        func show(_ values: [Duration], _ p: Int) -> String {
            Self.percentile(values, p).map(DurationText.format) ?? "—"
        }
        let total = rows.reduce(0) { $0 + $1.count }
        var lines = ["Incidents declared from \(zone.dateTime(since)) to \(zone.dateTime(now)): \(total)", ""]
        if !unreadable.isEmpty {
            let named = unreadable.prefix(20).map { "INC-\($0)" }.joined(separator: ", ") + (unreadable.count > 20 ? ", …" : "")
            lines.insert("Left out, as this version of incident-bot cannot read them (a newer version's, or damaged): "
                         + "\(unreadable.count) (\(named)).", at: 1)
        }
        // A quiet span still lists what is overdue from before it.
        guard total > 0 else { return (lines + overdueLines).joined(separator: "\n") + "\n" }
        lines += [
            "| severity | count | acknowledge median | p90 | mitigate median | p90 | resolve median | p90 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        // A median of the incidents that got there says how many those are: an incident nobody
        // acknowledged has no time to acknowledge, and left out silently it made the worst
        // severity's median look the best.
        func median(_ values: [Duration], of count: Int) -> String {
            show(values, 50) + (values.count < count && !values.isEmpty ? " (\(values.count) of \(count))" : "")
        }
        for row in rows {
            lines.append("| \(row.severity) | \(row.count) | \(median(row.toAcknowledge, of: row.count)) | \(show(row.toAcknowledge, 90)) | "
                + "\(median(row.toMitigate, of: row.count)) | \(show(row.toMitigate, 90)) | \(median(row.toResolve, of: row.count)) | "
                + "\(show(row.toResolve, 90)) |")
        }
        if rows.contains(where: { row in [row.toAcknowledge, row.toMitigate, row.toResolve].contains { !$0.isEmpty && $0.count < row.count } }) {
            lines.append("")
            lines.append("Medians and p90s count the incidents that got there; (1 of 2) says how many did.")
        }
        let due = updatesOnTime + updatesMissed
        lines.append("")
        if due == 0 {
            lines.append("Status updates: none were due.")
        } else {
            lines.append("Status updates on time: \(updatesOnTime) of \(due) deadlines (\(updatesOnTime * 100 / due)%); \(updatesMissed) missed.")
        }
        lines.append("")
        lines.append("How far each ladder climbed (incidents by highest level paged):")
        for (ladder, levels) in ladderReach {
            lines.append("- \(ladder): " + levels.map { "\($0.level) \($0.incidents)" }.joined(separator: ", "))
        }
        lines.append("")
        lines.append("Response targets met (incidents met of those decided), and time to detect where the impact's start was given:")
        for row in rows {
            let targets = ResponseTargets.Kind.allCases.compactMap { kind in
                row.targets[kind].map { "\(kind.rawValue) \($0.met) of \($0.decided)" }
            }
            let detect = row.toDetect.isEmpty ? "" : "; time to detect median \(show(row.toDetect, 50)), p90 \(show(row.toDetect, 90))"
            lines.append("- \(row.severity): " + (targets.isEmpty ? (row.hasTargets ? "none met or missed yet" : "no targets") : targets.joined(separator: ", ")) + detect)
        }
        lines.append("")
        return (lines + overdueLines).joined(separator: "\n") + "\n"
    }

    /// Every overdue item of an incident not closed, however long before the span.
    var overdueLines: [String] {
        guard !overdueActions.isEmpty else { return ["Overdue action items: none."] }
        return ["Overdue action items (\(overdueActions.count)):"] + overdueActions.map { "- " + PostmortemDraft.tableCell($0) }
    }
}
