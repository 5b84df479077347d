/// A calendar date and wall-clock time with no zone attached: what a person reads off a clock.
public struct CivilTime: Hashable, Sendable, Codable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The civil time at `offsetSeconds` east of UTC for `instant` (proleptic Gregorian calendar).
    public init(_ instant: Timestamp, offsetSeconds: Int = 0) {
        let local = instant.secondsSinceEpoch + Int64(offsetSeconds)
        let days = Int(local.floorDivided(by: 86_400))
        let secondOfDay = Int(local - Int64(days) * 86_400)
        let (year, month, day) = CivilTime.civil(fromDays: days)
        self.init(year: year, month: month, day: day,
                  hour: secondOfDay / 3_600, minute: secondOfDay % 3_600 / 60, second: secondOfDay % 60)
    }

    /// The UTC instant this civil time names, read as UTC.
    public var utcInstant: Timestamp {
        let days = Int64(CivilTime.days(fromCivil: year, month, day))
        return Timestamp(secondsSinceEpoch: days * 86_400 + Int64(hour * 3_600 + minute * 60 + second))
    }

    /// ISO weekday: 1 is Monday, 7 is Sunday.
    public var weekday: Int {
        let days = CivilTime.days(fromCivil: year, month, day)  // day 0, 1970-01-01, was a Thursday
        return ((days + 3) % 7 + 7) % 7 + 1
    }

    /// The same wall-clock time `count` calendar days later.
    public func adding(days count: Int) -> CivilTime {
        let (y, m, d) = CivilTime.civil(fromDays: CivilTime.days(fromCivil: year, month, day) + count)
        return CivilTime(year: y, month: m, day: d, hour: hour, minute: minute, second: second)
    }

    /// `20261122`, as used in incident room names.
    public var compactDate: String {
        pad(year, 4) + pad(month, 2) + pad(day, 2)
    }

    /// `14:30`.
    public var hourMinute: String { pad(hour, 2) + ":" + pad(minute, 2) }

    /// `2026-11-22`.
    /// The same day at 00:00.
    public var midnight: CivilTime { CivilTime(year: year, month: month, day: day) }

    /// A calendar day written `2026-12-05` (years 2000 to 2999), at midnight; nil otherwise.
    public init?(isoDay text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (2000...2999).contains(year), (1...12).contains(month), (1...CivilTime.daysInMonth(year, month)).contains(day)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var isoDate: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Int64 {
    /// Division rounding towards minus infinity, as calendars and rotations need.
    public func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension Timestamp: CustomStringConvertible {
    /// ISO 8601 in UTC: `2026-11-22T10:00:00Z`.
    public var description: String {
        let civil = CivilTime(self)
        let time = civil.hourMinute + ":" + (civil.second < 10 ? "0" : "") + String(civil.second)
        return civil.isoDate + "T" + time + "Z"
    }

    /// Reads ISO 8601 in UTC or with an offset: `2026-11-22T10:00:00Z`, `2026-11-22T11:00+01:00`.
    /// Seconds are optional. Returns nil for anything else, including impossible dates.
    public init?(iso8601 text: String) {
        let chars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            var value = 0
            for c in chars[from..<from + count] {
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard chars.count >= 17,
              let year = number(0, 4), chars[4] == 45, let month = number(5, 2), chars[7] == 45,
              let day = number(8, 2), chars[10] == 84 || chars[10] == 32,
              let hour = number(11, 2), chars[13] == 58, let minute = number(14, 2)
        else { return nil }
        var index = 16
        var second = 0
        if index < chars.count, chars[index] == 58 {
            guard let s = number(17, 2) else { return nil }
            second = s
            index = 19
        }
        var offset = 0
        guard index < chars.count else { return nil }
        if chars[index] == 90, index == chars.count - 1 {
            offset = 0
        } else if chars[index] == 43 || chars[index] == 45, chars.count == index + 6,
                  let oh = number(index + 1, 2), chars[index + 3] == 58, let om = number(index + 4, 2) {
            offset = (oh * 3_600 + om * 60) * (chars[index] == 45 ? -1 : 1)
        } else {
            return nil
        }
        guard (1...12).contains(month), (1...CivilTime.daysInMonth(year, month)).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        let civil = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        self = civil.utcInstant - .seconds(offset)
    }
}
