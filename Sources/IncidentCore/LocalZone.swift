import Foundation  // Time zone rules (tzdata) only; no clock is read here.

/// The configured time zone: room-name dates and the times people read are shown in it.
public struct LocalZone: Hashable, Sendable, Codable, CustomStringConvertible {
    public let identifier: String
    /// The zone's rules, found once: a look-up by name hashes it in Foundation's cache, and
    /// every time shown or rotation turned asks for the offset.
    private let zone: TimeZone

    public static let utc = LocalZone(checked: "UTC")

    /// nil when `identifier` is not a zone's name in the time zone database (`refusal` says
    /// why).
    public init?(identifier: String) {
        guard Self.refusal(of: identifier) == nil else { return nil }
        self.init(checked: identifier)
    }

    /// Why `name` is not taken as a zone, or nil when it is. Foundation also takes an
    /// abbreviation (`BST`, `IST`, `CST`), an old Java id (`SST`, UTC+11, for a Singapore team's
    /// +8) or an offset (`GMT+1`) for a zone, by guesses that differ between systems (on Linux
    /// `BST` is Bangladesh's, on macOS London's), and an offset never changes for summer time:
    /// a policy that says one would hold pages to the wrong hours without a word. So a name of
    /// four letters or fewer is taken only as `UTC` or `GMT`: the database's own short names
    /// (`CET`, `EST`) are legacy ones, `EST` with no summer time, and a place's name says it.
    public static func refusal(of name: String) -> String? {
        guard !name.isEmpty, name.count < 64, let zone = TimeZone(identifier: name) else {
            return "unknown time zone “\(name.prefix(64))”; use a name like UTC or Europe/Berlin"
        }
        if name == "UTC" || name == "GMT" { return nil }
        if name.count <= 4, !name.contains("/") {
            // `Zulu`, `UCT`: UTC under another name, whose place is UTC itself.
            let epoch = Date(timeIntervalSince1970: 0)
            let isUTC = zone.secondsFromGMT(for: epoch) == 0 && zone.nextDaylightSavingTimeTransition(after: epoch) == nil
            let place = isUTC ? ": UTC, the zone it names"
                : TimeZone.abbreviationDictionary[name].map { ", like \($0) if that is the one meant" } ?? ", like Europe/Berlin"
            return "“\(name)” is an abbreviation or a legacy name, which may not mean the zone meant; write a place's zone name" + place
        }
        if name == "Factory" { return "“Factory” is the database's placeholder for an unset zone, not a zone" }
        guard zone.identifier == name else {
            return "“\(name)” is an offset, which never changes for summer time; write a place's zone name, like Europe/Berlin"
        }
        return nil
    }

    private init(checked identifier: String) {
        self.identifier = identifier
        self.zone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0)!
    }

    public var description: String { identifier }

    // Stored, compared and hashed by its name alone, as it was before the rules were kept.
    enum CodingKeys: String, CodingKey { case identifier }

    public init(from decoder: any Decoder) throws {
        self.init(checked: try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .identifier))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(identifier, forKey: .identifier)
    }

    public static func == (lhs: LocalZone, rhs: LocalZone) -> Bool { lhs.identifier == rhs.identifier }

    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }

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
    /// change back to standard time repeats, none in the hour a change forward skips.
    public func readings(of civil: CivilTime) -> [Timestamp] {
        let asUTC = civil.utcInstant
        let offsets = Set([offsetSeconds(at: asUTC - .hours(30)), offsetSeconds(at: asUTC), offsetSeconds(at: asUTC + .hours(30))])
        return offsets.map { asUTC - .seconds($0) }.sorted()
            .filter { Int64(offsetSeconds(at: $0)) == asUTC.secondsSinceEpoch - $0.secondsSinceEpoch }
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

public enum ASCIIFolding {
    /// Transliterates to Latin and strips diacritics: `Überlastung` -> `Uberlastung`, `Пожар` -> `Pozar`,
    /// full-width `ｒｅｓｏｌｖｅｄ` -> `resolved`. ASCII is returned as it is: the transliteration
    /// (ICU) would change nothing.
    public static func fold(_ text: String) -> String {
        guard !isASCII(text) else { return text }
        return text.applyingTransform(StringTransform("Any-Latin; Latin-ASCII"), reverse: false) ?? text
    }

    /// The text in its compatibility form (NFKC: `𝐫` and `ⓡ` as `r`) without the characters that
    /// show nothing of their own (`Unicode.Scalar.showsNothingOfItsOwn`). For telling what a
    /// word says, never for showing it.
    public static func visibleOnly(_ text: String) -> String {
        guard !isASCII(text) else { return text }
        var kept = String.UnicodeScalarView()
        for scalar in text.precomposedStringWithCompatibilityMapping.unicodeScalars where !scalar.showsNothingOfItsOwn {
            kept.append(scalar)
        }
        return String(kept)
    }

    static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 0x80 } }
}

extension Unicode.Scalar {
    /// A format character (joiners, direction marks) or a mark that only combines with the
    /// character before it: nothing to see of its own.
    public var showsNothingOfItsOwn: Bool {
        switch properties.generalCategory {
        case .format, .nonspacingMark, .enclosingMark: true
        default: false
        }
    }
}
