/// An instant in UTC, to the second. Every persisted time in incident-bot is one of these.
///
/// Whole seconds are enough for incident response and make stored due times compare exactly.
/// Nothing in the core reads a clock: "now" is always handed in as a `Timestamp`.
public struct Timestamp: Hashable, Comparable, Sendable, Codable {
    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(secondsSinceEpoch: lhs.secondsSinceEpoch + rhs.wholeSeconds)
    }

    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(secondsSinceEpoch: lhs.secondsSinceEpoch - rhs.wholeSeconds)
    }

    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        .seconds(lhs.secondsSinceEpoch - rhs.secondsSinceEpoch)
    }

    public init(from decoder: any Decoder) throws {
        secondsSinceEpoch = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(secondsSinceEpoch)
    }
}

extension Duration {
    public static func minutes(_ minutes: Int) -> Duration { .seconds(Int64(minutes) * 60) }
    public static func hours(_ hours: Int) -> Duration { .seconds(Int64(hours) * 3_600) }
    public static func days(_ days: Int) -> Duration { .seconds(Int64(days) * 86_400) }

    /// The duration truncated to whole seconds.
    public var wholeSeconds: Int64 { components.seconds }

    /// The duration in seconds, its fraction kept: what `sleep`, `Date` and SQL intervals take.
    public var fractionalSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration rounded up to whole seconds: a wait of 1.2 s is not over after 1 s.
    public var wholeSecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        return attoseconds > 0 ? seconds + 1 : seconds
    }
}
