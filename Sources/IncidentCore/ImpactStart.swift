/// When customers started to be hurt, as typed in `/incident started 09:42` or
/// `/incident started 2026-11-24 09:42`: a time of day on the policy's clock, on the given day or
/// the latest such time not after now.
public struct ImpactStart: Hashable, Sendable, Codable, CustomStringConvertible {
    public var day: CivilTime?
    public var hour: Int
    public var minute: Int

    public init(day: CivilTime? = nil, hour: Int, minute: Int) {
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    /// `09:42`; nil when the text is not a time of day.
    public static func timeOfDay(_ text: String) -> (hour: Int, minute: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60
        else { return nil }
        return (hour, minute)
    }

    /// The instant it names, for a command typed at `now` in `zone`: the latest reading of the
    /// time not after now (in the hour a change back to standard time repeats, the one just
    /// past, not the one an hour before it), today's or else yesterday's.
    public func instant(at now: Timestamp, zone: LocalZone) -> Timestamp {
        var time = (day ?? zone.civil(now)).midnight
        time.hour = hour
        time.minute = minute
        let readings = zone.readings(of: time)
        if let latest = readings.last(where: { $0 <= now }) { return latest }
        return day != nil ? readings[0] : zone.readings(of: time.adding(days: -1)).last!
    }

    public var description: String {
        let time = (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        return day.map { $0.isoDate + " " + time } ?? time
    }
}
