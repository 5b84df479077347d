import IncidentCore

/// When a team works: the days and the hours of the day, read on a zone's wall clock. A
/// severity that pages only in working hours holds a page that falls outside them until the
/// next working period starts (behaviour.md section 5).
public struct WorkingHours: Hashable, Sendable, Codable {
    /// ISO weekdays worked: 1 is Monday, 7 is Sunday.
    public var days: Set<Int>
    /// Minutes after midnight the working day starts and ends; `start < end`.
    public var start: Int
    public var end: Int

    public init(days: Set<Int>, start: Int, end: Int) {
        self.days = days
        self.start = start
        self.end = end
    }

    /// Monday to Friday, 09:00 to 17:00: what a policy that names no working hours means.
    enum CodingKeys: String, CodingKey {
        case days, start, end
    }

    /// The days in order: the same hours always encode alike (a stored policy is found by
    /// its JSON's digest).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(days.sorted(), forKey: .days)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
    }

    public static let office = WorkingHours(days: [1, 2, 3, 4, 5], start: 9 * 60, end: 17 * 60)

    public static let dayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// Whether `instant` falls in working hours on `zone`'s wall clock.
    public func contains(_ instant: Timestamp, in zone: LocalZone) -> Bool {
        let civil = zone.civil(instant)
        let minute = civil.hour * 60 + civil.minute
        return days.contains(civil.weekday) && minute >= start && minute < end
    }

    /// `instant` itself when it falls in working hours, else when the next working period
    /// starts; nil only for hours with no working day at all (the loader refuses those).
    public func nextWorkingTime(from instant: Timestamp, in zone: LocalZone) -> Timestamp? {
        if contains(instant, in: zone) { return instant }
        let today = zone.civil(instant)
        for offset in 0...7 {
            var day = today.adding(days: offset)
            guard days.contains(day.weekday) else { continue }
            day.hour = start / 60
            day.minute = start % 60
            day.second = 0
            // The clock's first reading of the opening still to come: an opening in the hour
            // the autumn change repeats, passed at its first reading, comes again an hour on
            // (it waited for the next day's). One the spring change skips opens the gap later.
            let opening = zone.readings(of: day).first { $0 > instant } ?? zone.instant(of: day)
            if opening > instant { return opening }
        }
        return nil
    }

    /// `Mon Tue Wed Thu Fri 09:00–17:00`.
    public var description: String {
        func clock(_ minutes: Int) -> String {
            let h = minutes / 60, m = minutes % 60
            return (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
        }
        let names = days.sorted().map { WorkingHours.dayNames[$0 - 1] }
        return names.joined(separator: " ") + " " + clock(start) + "–" + clock(end)
    }
}
