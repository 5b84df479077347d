import IncidentCore
import IncidentPolicy

/// Severities the policy leaves without a responder, in words: `check-config` prints them, and
/// `serve` and `console` log them as they start. Not refusals: a severity meant for the record may page
/// nobody, and a bot that will not start pages nobody either.
public enum PolicyGaps {
    public static func warnings(_ policy: Policy) -> [String] {
        var lines: [String] = []
        for severity in Severity.allCases {
            let running = policy.ladders.filter { policy.plan($0, at: severity).runs }
            if running.isEmpty {
                // Fine for a severity meant to page nobody, a slip when a level's severities left it out.
                if policy[severity].pageAtOnce.isEmpty {
                    lines.append("\(severity) pages nobody: no ladder level serves it (a level's severities:, or its escalation:)")
                }
            } else if !running.contains(where: { $0.asksForAnswers }) {
                // Only ladders that follow the incident (business) page it: nobody is asked to
                // take it, and a P1 at 3 a.m. wakes no engineer.
                let names = running.map(\.id).joined(separator: ", ")
                lines.append("\(severity) asks nobody to respond: only \(names) page\(running.count == 1 ? "s" : "") it, and no ladder that an "
                             + "acknowledgement stops (stop_on: acknowledged) serves it (a level's severities:, or its escalation:)")
            }
        }
        return lines
    }
}
