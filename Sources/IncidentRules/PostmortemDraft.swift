import IncidentCore
import IncidentPolicy

/// The post-mortem draft of behaviour.md section 6, in Markdown, from the incident and its timeline.
public enum PostmortemDraft {
    /// User text made safe for one Markdown table cell: no broadcast mentions, no `|`, one line,
    /// and no labelled link or HTML of its own: typed `[runbook](https://…)` or `<img src=…>`
    /// became a disguised link or markup in the exported post-mortem, where chat had shown them
    /// as typed. A bare URL stays one, shown as itself. A control character left (from a
    /// platform's error, not from chat, whose door drops them) shows as an escape: a terminal
    /// reading the export took an ESC in it as its own.
    public static func tableCell(_ text: String) -> String {
        BroadcastMentions.neutralize(text).escaping(markdownActive).escaping(lineBreaks).escapedToOneLine
    }

    /// A cell's text standing on a line of its own (the summary): a first character that would
    /// open a block there (`~~~` or a backtick fence, a heading, a quote, a list, a rule) is
    /// escaped, or a typed `~~~` made the rest of the draft one code block. A numbered list's
    /// start (`2) freed space`, `1. rolled back`) has its `)` or `.` escaped instead.
    static func ownLine(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        if "~`#>-+*_".unicodeScalars.contains(first) { return "\\" + text }
        // CommonMark: one to nine digits, then `.` or `)`, then a blank or the line's end.
        let digits = text.utf8.prefix { (0x30...0x39).contains($0) }.count
        guard (1...9).contains(digits) else { return text }
        let rest = text.utf8.dropFirst(digits)
        guard let mark = rest.first, mark == UInt8(ascii: ".") || mark == UInt8(ascii: ")"),
              rest.dropFirst().first.map({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) ?? true else { return text }
        return text.prefix(digits) + "\\" + text.dropFirst(digits)
    }

    /// The most severe the timeline put the incident at, when more severe than `now`: a P0
    /// lowered to P2 as the picture cleared was a P0 while it lasted. nil: never more severe.
    static func worstSeverity(_ timeline: [TimelineEntry], now: Severity) -> Severity? {
        timeline.compactMap(\.severitySet).filter { $0.isMoreSevere(than: now) }.min { $0.isMoreSevere(than: $1) }
    }

    /// The targets the room was told were missed, whatever the severity is now: a P0 lowered
    /// to P2 once the picture cleared missed its P0 targets all the same, which P2's would
    /// have met. Each as the timeline recorded its miss, under the severity it was missed at
    /// and with when it was due (`P0 target to acknowledge (15m, due 10:15 UTC)`): the bare
    /// phrase, beside a status saying the P2 target was met, read as a contradiction.
    static func missedTargets(_ incident: Incident, timeline: [TimelineEntry]) -> String {
        let missed = ResponseTargets.Kind.allCases.filter { kind in
            incident.targetNotices?.contains { $0.missed && $0.target == kind } == true
        }.map { kind in
            timeline.last { $0.kind == .target && $0.text.hasPrefix(missedPrefix) && $0.text.contains(" target \(kind.phrase) (") }
                .map { String($0.text.dropFirst(missedPrefix.count).dropLast($0.text.hasSuffix(".") ? 1 : 0)) } ?? kind.phrase
        }
        return "| Targets missed | \(missed.isEmpty ? "none" : missed.joined(separator: ", ")) |"
    }

    /// How the timeline's entry for a missed target begins (`Transition.recordTargetMissed`).
    static let missedPrefix = "Missed the "

    /// Line breaks of every kind, as spaces: a table row is one line (an operator's `--reason`
    /// reaches the timeline without the chat door's cleaning, `\r\n` and all).
    static let lineBreaks: [Unicode.Scalar: String] = ["\n": " ", "\r": " ", "\u{2028}": " ", "\u{2029}": " ", "\u{85}": " "]

    /// What Markdown reads as a link, markup or a cell's end, escaped (the backslash first, in
    /// one pass): `&lt;` for HTML, a backslash before the rest.
    static let markdownActive: [Unicode.Scalar: String] = ["\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "<": "&lt;"]

    /// How long customers were hurt, as far as the record tells: from the impact's start when
    /// `/incident started` gave it (the declaration came later), to the mitigation.
    static func impactSpan(_ incident: Incident, toMitigate: Duration?) -> String {
        guard let toMitigate else { return "not mitigated yet" }
        // Resolved without a mitigation first: the measure is counted at the resolution, and
        // says so (it read "to mitigation" of an incident that had none).
        let end = incident.mitigatedAt == nil ? "resolution" : "mitigation"
        guard let started = incident.impactStartedAt else {
            return "\(DurationText.format(toMitigate)) from the declaration to \(end)"
        }
        // A start given after the declaration (it may be) counts from there too.
        let span = max(.zero, incident.declaredAt + toMitigate - started)
        return "\(DurationText.format(span)) from the impact's start at \(incident.policy.timeZone.dateTime(started)) to \(end)"
    }

    /// A timeline entry's text as the table shows it. Text a person typed as a note or an
    /// update is labelled as theirs: unlabelled, a note reading "Acknowledged by @alice (in chat)."
    /// would pass for the entry the bot writes, and put the acknowledgement at the note's time.
    static func tableText(for entry: TimelineEntry) -> String {
        switch entry.kind {
        case .note: "Note: " + entry.text
        // The bot's own entry for a mitigation that did not hold is the phase's change, not an update.
        case .statusUpdate: entry.isMitigationNotHeld ? entry.text : "Update: " + entry.text
        case .bystanderUpdate: "Update (not from a responder; the update timer went on): " + entry.text
        default: entry.text
        }
    }

    /// `madeAs`: the name the incident's room was made under, when it is not the name asked
    /// for (taken on the platform, or the incident turned private first): the timeline's
    /// entries name the room asked for, which may be someone else's channel.
    ///
    /// `inChat`: the draft as `/incident postmortem` answers it, within what one message shows
    /// (`AnswerBudget`): each cell at most 500 characters, the timeline's first and last rows
    /// with the number left out between them, and the first action items. The whole draft
    /// (`incident-bot export`) has every row; in chat a long timeline hid root cause, what went
    /// well and the action items past the platform's cut.
    /// `commandPrefix`: how commands are typed where it is read (`!` on Matrix).
    public static func markdown(_ incident: Incident, timeline: [TimelineEntry], roomMadeAs madeAs: String? = nil,
                                inChat: Bool = false, commandPrefix: String = Platform.slack.commandPrefix) -> String {
        let zone = incident.policy.timeZone
        let durations = IncidentDurations(timeline: timeline)
        func measured(_ duration: Duration?) -> String { duration.map(DurationText.format) ?? "not yet" }
        /// A measure taken at a later step than its own, as the response targets count it:
        /// read bare, "acknowledged in 50m" said someone answered who never did.
        func countedAt(_ kind: TimelineEntry.Kind?, before: String) -> String {
            switch kind {
            case .mitigated?: " (counted at the mitigation, which came before any \(before))"
            case .resolved?: " (counted at the resolution, which came before any \(before))"
            default: ""
            }
        }
        // Counted at the resolution: no mitigation came before it, or none that held.
        let mitigationCounted = durations.mitigatedBy != .resolved ? ""
            : timeline.contains { $0.kind == .mitigated } ? " (counted at the resolution: the mitigation before it did not hold)"
            : countedAt(.resolved, before: "mitigation")
        let cell = inChat ? { tableCell(String($0.prefix(chatCell)) + ($0.count > chatCell ? "…" : "")) } : tableCell
        var lines = [
            "# Post-mortem: \(incident.id) \(cell(incident.title))",
            "",
            "| | |",
            "| --- | --- |",
            "| Severity | \(incident.severity)\(worstSeverity(timeline, now: incident.severity).map { " (\($0) at its worst)" } ?? "") |",
            missedTargets(incident, timeline: timeline),
            "| Declared | \(zone.dateTime(incident.declaredAt)) by \(incident.declaredBy.handle) |",
            "| Incident commander | \(incident.commander.map { "\($0.handle)" } ?? "unassigned") |",
            "| Time to detect | \(incident.timeToDetect.map(DurationText.format) ?? "not given (\(commandPrefix)incident started)") |",
            "| Time to acknowledge | \(measured(durations.toAcknowledge))\(countedAt(durations.acknowledgedBy, before: "acknowledgement")) |",
            "| Time to mitigate | \(measured(durations.toMitigate))\(mitigationCounted) |",
            "| Time to resolve | \(measured(durations.toResolve)) |",
            "",
            "## Summary",
            "",
            incident.summary.map { ownLine(cell($0)) } ?? "_What happened, in two or three sentences._",
            "",
            "## Impact",
            "",
            "_Who was affected, how, and for how long (\(impactSpan(incident, toMitigate: durations.toMitigate)))._",
            "",
            "## Timeline",
            "",
            "| time | who | what |",
            "| --- | --- | --- |",
        ]
        let rows = incident.timeline(merging: timeline).map { entry in
            let text = madeAs.map { RoomName.renaming("#" + incident.room, to: "#" + $0, in: tableText(for: entry)) } ?? tableText(for: entry)
            return "| \(zone.dateTime(entry.at)) | \(entry.author.map { "\($0.handle)" } ?? "incident-bot") | \(cell(text)) |"
        }
        let whole = "`incident-bot export \(incident.id)` on the bot's host prints the whole draft"
        lines += inChat ? ends(of: rows, head: AnswerBudget.characters * 3 / 7, tail: AnswerBudget.characters * 2 / 7) { left in
            "| … | | \(left) \(left == 1 ? "entry" : "entries") left out here: \(whole) |"
        } : rows
        lines += [
            "",
            "## Root cause",
            "",
            "_Why it happened; keep asking why._",
            "",
            "## What went well",
            "",
            "- ",
            "",
            "## What to improve",
            "",
            "- ",
            "",
            "## Action items",
            "",
            "| action | owner | due | state |",
            "| --- | --- | --- | --- |",
        ]
        let items = incident.actionItems.map { item in
            let state = item.doneAt.map { "done \(zone.dateTime($0))" } ?? (item.droppedAt != nil ? "dropped at close" : "open")
            return "| \(item.id) \(cell(item.text)) | \(item.owner.handle) | \(item.dueDay ?? "—") | \(state) |"
        }
        lines += inChat ? ends(of: items, head: AnswerBudget.characters / 7, tail: 0) { "| … and \($0) more: \(whole) | | | |" } : items
        if incident.actionItems.isEmpty { lines.append("| | | | |") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The longest a cell is in chat.
    static let chatCell = 500

    /// `rows` whole when they fit in `head` plus `tail` characters; else the first that fit in
    /// `head`, a row saying how many were `leftOut`, and the last that fit in `tail`.
    static func ends(of rows: [String], head: Int, tail: Int, leftOut: (Int) -> String) -> [String] {
        func fitting(_ rows: some Sequence<String>, _ budget: Int) -> Int {
            AnswerBudget.fitting(rows.lazy.map { [Span.text($0)] }, budget: budget)
        }
        guard fitting(rows, head + tail) < rows.count else { return rows }
        let first = fitting(rows, head)
        let last = tail > 0 ? min(fitting(rows.reversed(), tail), rows.count - first - 1) : 0
        return rows.prefix(first) + [leftOut(rows.count - first - last)] + rows.suffix(last)
    }
}
