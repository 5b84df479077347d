import IncidentCore
import IncidentEngine
import IncidentRules

/// `incident-bot export INC-N --format markdown`: the incident's record (status, roles, pages)
/// followed by the post-mortem draft of behaviour.md section 6, which carries the timeline table and
/// the measured durations.
public enum IncidentExport {
    /// `roomMadeAs`: the name its room was made under on its home platform, when that is not
    /// the name asked for (taken there, or the incident turned private before it was made).
    public static func markdown(_ stored: StoredIncident, timeline: [TimelineEntry], roomMadeAs: String?, now: Timestamp) -> String {
        let incident = stored.incident
        let zone = incident.policy.timeZone
        let cell = PostmortemDraft.tableCell
        var lines = [
            "# \(incident.id): \(cell(incident.title))",
            "",
            "| | |",
            "| --- | --- |",
            "| Severity | \(incident.severity)\(incident.isPrivate ? " (private incident: for its members and admins only)" : "") |",
            "| Phase | \(incident.phase.rawValue) |",
            "| Status | \(cell(incident.statusText)) |",
            "| Room | #\(roomMadeAs ?? incident.room) (\(stored.home)) |",
            "| Declared | \(zone.dateTime(incident.declaredAt)) by \(incident.declaredBy.handle) |",
        ]
        for (label, instant) in [("Mitigated", incident.mitigatedAt), ("Resolved", incident.resolvedAt), ("Closed", incident.closedAt)] {
            if let instant { lines.append("| \(label) | \(zone.dateTime(instant)) |") }
        }
        // Resolved, it was open until then, not until the export was made.
        if let resolved = incident.resolvedAt {
            lines.append("| Resolved after | \(DurationText.format(resolved - incident.declaredAt)) |")
        } else if incident.closedAt == nil {
            lines.append("| Open for | \(DurationText.format(now - incident.declaredAt)) |")
        }
        lines += ["", "## Roles", "", "| role | who |", "| --- | --- |"]
        for role in Role.allCases {
            lines.append("| \(role.title) | \(incident.roles[role].map { "\($0.handle)" } ?? "—") |")
        }
        lines += ["", "## Pages", ""]
        if incident.pages.isEmpty {
            lines.append("Nobody was paged.")
        } else {
            lines += ["| time | who | level | why |", "| --- | --- | --- | --- |"]
            for page in incident.pagesSent {
                let why = page.reason.phrase + (page.withdrawn == true ? "; never sent (withdrawn or dropped: see the timeline)" : "")
                lines.append("| \(zone.dateTime(page.at)) | \(page.person.handle) | \(page.level) | \(why) |")
            }
        }
        lines += ["", ""]
        return lines.joined(separator: "\n") + PostmortemDraft.markdown(incident, timeline: timeline, roomMadeAs: roomMadeAs)
    }
}
