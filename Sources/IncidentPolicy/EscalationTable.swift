import IncidentCore

/// The escalation matrix as `check-config` prints it: per severity, when each ladder level is
/// first paged if nobody answers, in minutes from declaration, then the repeats and hours.
extension Policy {
    public var escalationTable: [String] {
        let columns = ladders.flatMap { ladder in ladder.levels.indices.map { (ladder, $0) } }
        var rows = [[""] + columns.map { ladder, index in "\(ladder.id).\(ladder.levels[index].id)" }]
        for severity in Severity.allCases {
            let atOnce = Set(self[severity].pageAtOnce)
            var row = [severity.rawValue]
            for (ladder, index) in columns {
                let plan = plan(ladder, at: severity)
                let climb = plan.steps.first { $0.index == index }.map { String($0.reachedAfter.wholeSeconds / 60) }
                if atOnce.contains(ladder.reference(index)) {
                    row.append("0*" + (climb.map { "/" + $0 } ?? ""))
                } else {
                    row.append(climb ?? "-")
                }
            }
            rows.append(row)
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = ["escalation matrix (minutes from declaration until a level is paged if nobody answers; - not used):"]
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                column == 0 ? cell.padding(to: widths[0]) : String(repeating: " ", count: widths[column] - cell.count) + cell
            }
            lines.append("  " + cells.joined(separator: "  "))
        }
        if severities.values.contains(where: { !$0.pageAtOnce.isEmpty }) {
            lines.append("  * paged at once when declared at or raised to the severity (/n: and again when the climb reaches it)")
        }
        for severity in Severity.allCases {
            var parts = [self[severity].workingHoursOnly == true ? "pages in working hours (\((workingHours ?? .office).description))"
                                                                 : "pages around the clock"]
            for ladder in ladders {
                let plan = plan(ladder, at: severity)
                guard plan.runs else { continue }
                switch plan.repeats {
                case .times(0): parts.append("\(ladder.id) does not repeat its top")
                case .times(let n): parts.append("\(ladder.id) repeats its top \(n == 1 ? "once" : "\(n) times"), every \(DurationText.format(plan.repeatEvery))")
                case .unlimited: parts.append("\(ladder.id) repeats its top until answered, every \(DurationText.format(plan.repeatEvery))")
                }
            }
            lines.append("  \(severity): " + parts.joined(separator: "; "))
        }
        return lines
    }
}

extension String {
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
