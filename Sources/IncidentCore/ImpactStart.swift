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

    /// What a typed start names.
    public enum Reading: Hashable, Sendable {
        case at(Timestamp)
        /// The zone's clock never read it: a change to summer time skipped it that night.
        case skipped(CivilTime)
    }

    /// The instant it names, for a command typed at `now` in `zone` about an incident declared
    /// at `declaredAt`: a reading of the time not after now, today's or else yesterday's. In
    /// the hour a change back to standard time repeats, the later reading not after the
    /// declaration, as customers are hurt before someone declares, or else the later one not
    /// after now. A time the change forward skipped names nothing: read as the hour before or
    /// after, it would move the start by an hour without a word.
    public func instant(at now: Timestamp, declaredAt: Timestamp, zone: LocalZone) -> Reading {
        var time = (day ?? zone.civil(now)).midnight
        time.hour = hour
        time.minute = minute
        func pick(_ readings: [Timestamp]) -> Timestamp? {
            let past = readings.filter { $0 <= now }
            return past.last(where: { $0 <= declaredAt }) ?? past.last
        }
        let readings = zone.readings(of: time)
        if day != nil {
            return readings.first.map { .at(pick(readings) ?? $0) } ?? .skipped(time)
        }
        if let chosen = pick(readings) { return .at(chosen) }
        // Not reached yet today (or skipped before now, which names nothing): yesterday's.
        if readings.isEmpty, zone.civil(now).utcInstant >= time.utcInstant { return .skipped(time) }
        let yesterday = time.adding(days: -1)
        let earlier = zone.readings(of: yesterday)
        return pick(earlier).map { .at($0) } ?? .skipped(yesterday)
    }

    public var description: String {
        let time = (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        return day.map { $0.isoDate + " " + time } ?? time
    }
}
