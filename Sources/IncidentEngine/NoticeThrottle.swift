import IncidentCore
import IncidentPolicy

/// Which events an adapter answers with one of its notices (a Matrix command refused from
/// outside `matrix.allow_commands_from`, an edit into a command on Matrix or Slack): at most one a room a minute, and
/// `perMinute` in all, for each kind. A server the bot does not serve can have any number of
/// accounts in a room the bot shares, or make any number of rooms, and an edit costs nothing
/// to send again: one line per event would let anyone flood a room, the outbox and the bot's
/// own rate limit at the homeserver (which its pages share), at will. Only the last minute's
/// are kept.
public struct NoticeThrottle: Sendable {
    /// The most outsiders told in any minute, across rooms.
    public static var perMinute: Int { 10 }
    /// When each room was last told, within the last minute.
    public private(set) var told: [String: Timestamp] = [:]

    public init() {}

    /// The events to answer now, from `refused`: the first of each room not told in the last
    /// minute, while the minute's allowance lasts.
    public func select(_ refused: [ChatEvent], now: Timestamp) -> [ChatEvent] {
        let recent = told.filter { now - $0.value < .seconds(60) }
        var chosen: [ChatEvent] = []
        for event in refused where recent[event.room] == nil && !chosen.contains(where: { $0.room == event.room })
            && recent.count + chosen.count < Self.perMinute {
            chosen.append(event)
        }
        return chosen
    }

    /// `events` were answered at `now` (their transaction committed).
    public mutating func answered(_ events: [ChatEvent], at now: Timestamp) {
        told = told.filter { now - $0.value < .seconds(60) }
        for event in events { told[event.room] = now }
    }
}

extension NoticeThrottle {
    /// Which of `edits` (edits into commands, by accounts served) are answered now: a roster
    /// person's every one, as every refusal is (served accounts' edits, limited together, used
    /// up a room's answer for the minute before a responder's `!sev` edit), and the others' as
    /// `select` allows. The same rule on every platform.
    public func editsToAnswer(_ edits: [ChatEvent], roster: Roster, now: Timestamp) -> (listed: [ChatEvent], others: [ChatEvent]) {
        let isListed = { (edit: ChatEvent) in roster.lists(roster.identify(edit.platform, accountID: edit.user)) }
        let others = edits.filter { !isListed($0) }
        return (edits.filter(isListed), others.isEmpty ? [] : select(others, now: now))
    }
}
