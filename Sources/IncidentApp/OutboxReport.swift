import IncidentCore
import IncidentEngine

/// `incident-bot outbox`: what is waiting to be delivered, or what was given up and why, one
/// item per line, as an operator reads it at 3 a.m.
public enum OutboxReport {
    /// `counts`: every unfinished item by method and state, to say what the list leaves out:
    /// cut at `--limit` without a word, a backlog of notes hid the pages stuck behind them.
    public static func text(_ listings: [OutboxListing], state: OutboxItem.State, zone: LocalZone, counts: [OutboxCount] = []) -> String {
        guard !listings.isEmpty else {
            return state == .failed ? "No failed outbox items.\n" : "Nothing waits in the outbox.\n"
        }
        var lines = [state == .failed ? "Failed outbox items, most recent first (retry one with `incident-bot outbox retry KEY`):"
                                      : "Pending outbox items, oldest first (give one up with `incident-bot outbox drop KEY`):"]
        for listing in listings {
            // What came from outside (a platform's error, an operator's reason, a room or
            // user name) is kept to its line: no line breaks, no terminal escapes.
            let summary = listing.item.map(summary)?.escapedToOneLine ?? "an item that cannot be decoded"
            var line = "\(listing.key.escapedToOneLine)  \(listing.method)  \(summary)"
            switch state {
            case .pending: line += "  \(Self.tried(listing.attempts)), next \(zone.dateTime(listing.notBefore))"
            case .failed, .delivered:
                line += "  \(Self.tried(listing.attempts))"
                if let finished = listing.finishedAt { line += ", given up \(zone.dateTime(finished))" }
            }
            if let reason = listing.lastError { line += "\n    reason: \(reason.escapedToOneLine)" }
            lines.append(line)
        }
        if let more = notShown(listings, state: state, counts: counts) { lines.append(more) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `tried once`, `tried 3 times`, `not tried yet`.
    static func tried(_ attempts: Int) -> String {
        switch attempts {
        case 0: "not tried yet"
        case 1: "tried once"
        default: "tried \(attempts) times"
        }
    }

    /// `… and 215 more not shown (slack 212, pagerduty 2, voice 1); --limit shows more`, or
    /// nil when the list is whole.
    static func notShown(_ listings: [OutboxListing], state: OutboxItem.State, counts: [OutboxCount]) -> String? {
        var left: [String: Int] = [:]
        for count in counts where count.state == state { left[count.method, default: 0] += count.count }
        for listing in listings { left[listing.method, default: 0] -= 1 }
        let byMethod = left.filter { $0.value > 0 }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        let total = byMethod.reduce(0) { $0 + $1.value }
        guard total > 0 else { return nil }
        return "… and \(total) more not shown (" + byMethod.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "); --limit shows more"
    }

    /// What an item is, in a few words.
    static func summary(_ item: OutboxItem) -> String {
        let incident = item.incident.map { "INC-\($0)" } ?? "no incident"
        switch item.job {
        case .reply(let room, let user, _): return "reply to \(user) in \(room)"
        case .effect(let action):
            switch action {
            case .createRoom(let name, _, _, _): return "create #\(name) (\(incident))"
            case .invite(let people): return "invite \(people.map { "\($0.handle)" }.joined(separator: ", ")) (\(incident))"
            case .setTopic: return "set the \(incident) room topic"
            case .post(_, .incidentRoom): return "post in the \(incident) room"
            case .post(_, .broadcast): return "post in the broadcast room (\(incident))"
            case .directMessage(_, let person): return "message \(person.handle) (\(incident))"
            case .page(let page): return "page \(page.person.handle), \(page.ladder) \(page.level) (\(incident))"
            case .settlePages(let settlement):
                let pages = settlement.pages.map { "\($0.person.handle) \($0.ladder) \($0.level)" }.joined(separator: ", ")
                return "mark the page of \(pages) \(settlement.outcome.rawValue) (\(incident))"
            }
        }
    }
}
