import Foundation  // Time zone rules (tzdata) only; no clock is read here.

/// The configured time zone: room-name dates and the times people read are shown in it.
public struct LocalZone: Hashable, Sendable, Codable, CustomStringConvertible {
    public let identifier: String

    public static let utc = LocalZone(checked: "UTC")

    /// nil when the system time zone database does not know `identifier`.
    public init?(identifier: String) {
        guard !identifier.isEmpty, identifier.count < 64, TimeZone(identifier: identifier) != nil else { return nil }
        self.identifier = identifier
    }

    private init(checked identifier: String) { self.identifier = identifier }

    public var description: String { identifier }

    private var zone: TimeZone { TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0)! }

    private func date(_ instant: Timestamp) -> Date {
        Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch))
    }

    /// Seconds east of UTC at `instant` (daylight saving included).
    public func offsetSeconds(at instant: Timestamp) -> Int {
        zone.secondsFromGMT(for: date(instant))
    }

    /// The wall-clock reading at `instant` in this zone.
    public func civil(_ instant: Timestamp) -> CivilTime {
        CivilTime(instant, offsetSeconds: offsetSeconds(at: instant))
    }

    /// The instant the wall clock in this zone reads `civil`. A reading skipped by a
    /// daylight-saving change (02:30 on the spring-forward night) lands just after the gap
    /// (03:30, the gap's length later), east or west of UTC; a reading made twice (01:30 on
    /// the fall-back night) is the first.
    public func instant(of civil: CivilTime) -> Timestamp {
        let asUTC = civil.utcInstant
        // The offsets in force around it: a change is never closer than a day to another.
        let offsets = Set([offsetSeconds(at: asUTC - .hours(30)), offsetSeconds(at: asUTC), offsetSeconds(at: asUTC + .hours(30))])
        let candidates = offsets.map { asUTC - .seconds($0) }
        let reading = candidates.filter { Int64(offsetSeconds(at: $0)) == asUTC.secondsSinceEpoch - $0.secondsSinceEpoch }
        return reading.min() ?? candidates.max()!
    }

    /// Every instant at which the zone's clock reads `civil`, earliest first: two in the hour a
    /// change back to standard time repeats. A time a change forward skips is read on the clock
    /// as it runs after the change, as someone subtracting wall-clock times would: 02:05 on
    /// the night New York goes from 02:00 to 03:00 is an hour before 03:05.
    public func readings(of civil: CivilTime) -> [Timestamp] {
        let asUTC = civil.utcInstant
        let offsets = Set([offsetSeconds(at: asUTC - .hours(30)), offsetSeconds(at: asUTC), offsetSeconds(at: asUTC + .hours(30))])
        let candidates = offsets.map { asUTC - .seconds($0) }.sorted()
        let reading = candidates.filter { Int64(offsetSeconds(at: $0)) == asUTC.secondsSinceEpoch - $0.secondsSinceEpoch }
        return reading.isEmpty ? [candidates[0]] : reading
    }

    /// `UTC`, or the zone's abbreviation at `instant` (`CET`, `GMT+1`).
    public func abbreviation(at instant: Timestamp) -> String {
        if identifier == "UTC" || identifier == "Etc/UTC" { return "UTC" }
        return zone.abbreviation(for: date(instant)) ?? identifier
    }

    /// `14:30 UTC`, as the topic and messages show times.
    public func clockTime(_ instant: Timestamp) -> String {
        civil(instant).hourMinute + " " + abbreviation(at: instant)
    }

    /// `14:30 UTC`, or `14:30:41 UTC` off the whole minute: for a time someone acts on to the
    /// second (when a limit ends), where 14:30 would be 41 seconds early.
    public func secondClockTime(_ instant: Timestamp) -> String {
        let civil = civil(instant)
        guard civil.second != 0 else { return clockTime(instant) }
        return civil.hourMinute + ":" + (civil.second < 10 ? "0" : "") + "\(civil.second) " + abbreviation(at: instant)
    }

    /// `2026-11-22 14:30 UTC`.
    public func dateTime(_ instant: Timestamp) -> String {
        civil(instant).isoDate + " " + clockTime(instant)
    }

    /// `14:30 UTC` when `instant` falls on the day of `now`, else `2026-11-22 14:30 UTC`: a
    /// time shown without its date is always today's (a P2's next update due on Monday, or
    /// a last update of yesterday, read on a Saturday night).
    public func clockTime(_ instant: Timestamp, seenAt now: Timestamp) -> String {
        let (shown, today) = (civil(instant), civil(now))
        return (shown.year, shown.month, shown.day) == (today.year, today.month, today.day) ? clockTime(instant) : dateTime(instant)
    }
}

enum ASCIIFolding {
    /// Transliterates to Latin and strips diacritics: `Überlastung` -> `Uberlastung`, `Пожар` -> `Pozar`.
    static func fold(_ text: String) -> String {
        text.applyingTransform(StringTransform("Any-Latin; Latin-ASCII"), reverse: false) ?? text
    }
}
