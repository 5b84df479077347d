/// Durations as people write them in config and at the console: `15m`, `1h`, `2h30m`, `5d`, `90s`.
public enum DurationText {
    /// Parses a positive or zero duration; nil when the text is not one. Units may be capitals
    /// (`2H`) except `M`, which people write for months as often as for minutes: `report
    /// --since 2M` read as two minutes, and an action item due in `2M` fell due at once.
    /// Each unit is written once, the larger first (`1h30m`): `30m30m` is a slip, not an hour.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.count <= 32 else { return nil }
        var total: Int64 = 0
        var digits = ""
        var larger = Int64.max
        for character in trimmed {
            if let digit = character.wholeNumberValue, character.isASCII {
                digits.append(String(digit))
                continue
            }
            let unit: Int64
            switch character {
            case "s", "S": unit = 1
            case "m": unit = 60
            case "h", "H": unit = 3_600
            case "d", "D": unit = 86_400
            case "w", "W": unit = 604_800
            default: return nil
            }
            guard let value = Int64(digits), value <= 1_000_000, unit < larger else { return nil }
            larger = unit
            total += value * unit
            digits = ""
        }
        guard digits.isEmpty else { return nil }
        return .seconds(total)
    }

    /// Why text shaped as a duration (numbers each with a unit `parse` knows) is not one.
    public enum Slip: Sendable {
        /// A unit written twice, or a smaller before a larger (`30m30m`, `30m1h`).
        case unitOrder
        /// A number over 1,000,000 of its unit.
        case tooLarge
    }

    /// The slip in `text`, when it has a duration's shape (numbers each with a unit, the
    /// units `parse` knows) and `parse` refuses it; nil otherwise.
    public static func slip(_ text: String) -> Slip? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.count <= 32, parse(trimmed) == nil else { return nil }
        let units: [Character: Int] = ["s": 0, "S": 0, "m": 1, "h": 2, "H": 2, "d": 3, "D": 3, "w": 4, "W": 4]
        var digits = ""
        var larger = Int.max
        var slip: Slip?
        for character in trimmed {
            if character.isASCII, character.isWholeNumber {
                digits.append(character)
                continue
            }
            guard let rank = units[character], !digits.isEmpty else { return nil }
            if rank >= larger { slip = .unitOrder }
            if slip == nil, digits.count > 7 || (Int(digits) ?? .max) > 1_000_000 { slip = .tooLarge }
            larger = rank
            digits = ""
        }
        return digits.isEmpty ? slip : nil
    }

    /// Why `text` was refused, when a capital `M` is the reason, for the end of a refusal:
    /// ` (M may mean months or minutes: write m for minutes, d for days)`; else nothing.
    public static func capitalMHint(_ text: String) -> String {
        text.contains("M") ? " (M may mean months or minutes: write m for minutes, d for days)" : ""
    }

    /// The shortest text `parse` reads back: `1h30m`, `15m`, `0s`.
    public static func format(_ duration: Duration) -> String {
        var seconds = duration.wholeSeconds
        guard seconds > 0 else { return "0s" }
        var text = ""
        for (unit, suffix) in [(Int64(86_400), "d"), (3_600, "h"), (60, "m"), (1, "s")] where seconds >= unit {
            text += String(seconds / unit) + suffix
            seconds %= unit
        }
        return text
    }
}

extension String {
    /// The text without leading and trailing white space and newlines.
    public func trimmingWhitespace() -> String {
        // Most text starts and ends with a visible ASCII character: nothing to trim.
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return self
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}

extension Substring {
    /// The text without leading and trailing white space and newlines.
    public func trimmingWhitespace() -> String {
        String(self).trimmingWhitespace()
    }
}
