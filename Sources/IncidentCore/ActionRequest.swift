/// What `/action @owner <text> [due: ...]` asks for: a follow-up item of an incident.
public struct ActionRequest: Hashable, Sendable, Codable {
    public var owner: PersonRef
    public var text: String
    public var due: ActionDue?

    public init(owner: PersonRef, text: String, due: ActionDue? = nil) {
        self.owner = owner
        self.text = text
        self.due = due
    }
}

/// When an action item is due, as typed: a day, or a length of time from now (the day it
/// ends on, in the policy's time zone).
public enum ActionDue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A calendar day (`2026-12-05`).
    case day(year: Int, month: Int, day: Int)
    /// `3d`, `2w`, `today` (0), `tomorrow` (1d).
    case after(Duration)

    /// `2026-12-05`, `3d`, `36h`, `today`, `tomorrow`; nil when the text is none of these (a
    /// length of time with minutes in it is none).
    public init?(parsing text: String) {
        let lower = text.trimmingWhitespace().lowercased()
        switch lower {
        case "today": self = .after(.zero)
        case "tomorrow": self = .after(.days(1))
        default:
            if let day = CivilTime(isoDay: lower) {
                self = .day(year: day.year, month: day.month, day: day.day)
            } else if let duration = DurationText.parse(text), duration <= .days(366), duration.isWholeHours {
                // Not minutes: `6m` (six minutes, or months meant) made an item due today, its
                // owner told at once and the item overdue by morning. Hours are hours (`36h`).
                self = .after(duration)
            } else {
                return nil
            }
        }
    }

    /// The day it falls on, for something asked at `now` in `zone`. Whole days (`tomorrow`,
    /// `3d`, `2w`) are counted on the calendar, not in 24-hour steps: across a daylight-saving
    /// change, 24 hours after 23:30 is the day after tomorrow, or today.
    public func civilDay(from now: Timestamp, zone: LocalZone) -> CivilTime {
        switch self {
        case .day(let year, let month, let day):
            return CivilTime(year: year, month: month, day: day)
        case .after(let duration):
            guard duration.isWholeDays else { return zone.civil(now + duration).midnight }
            return zone.civil(now).adding(days: Int(duration.components.seconds / 86_400)).midnight
        }
    }

    public var description: String {
        switch self {
        case .day(let year, let month, let day): CivilTime(year: year, month: month, day: day).isoDate
        case .after(let duration): DurationText.format(duration)
        }
    }
}

/// Which action items `/action list` shows.
public enum ActionListFilter: Hashable, Sendable, Codable {
    /// One incident's (named, or the room's it was typed in; every open incident's elsewhere).
    case incident
    /// The asker's open items, in every incident.
    case mine
    /// Open items past their due day, in every incident.
    case overdue
}

extension Duration {
    /// A whole number of days (`3d`, `2w`): counted on the calendar.
    var isWholeDays: Bool {
        let (seconds, fraction) = components
        return fraction == 0 && seconds % 86_400 == 0
    }

    /// A whole number of hours, as an action item's due time must be: no minutes.
    var isWholeHours: Bool {
        let (seconds, fraction) = components
        return fraction == 0 && seconds % 3_600 == 0
    }
}
