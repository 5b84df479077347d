import IncidentCore

/// Text people type: cleaned of what only hides or disguises it, and read as they see it.
public enum FreeText {
    /// The rest of a command as its author sees it: cleaned (`clean`), and Slack's markup as
    /// a person reads it (`readable`), which Slack sends for mentions and links when the app
    /// asks it to escape them (the manifest does, so that `/ic @bob` names bob's account):
    /// `/update handing over to @bob` was posted as `<@U0BOB0002|bob>`.
    public static func typed(_ text: String) -> String {
        readable(clean(text))
    }

    /// Slack's message markup as a person reads it: `<@U0123|alice>` as `@alice` (`@U0123`
    /// without a label), `<#C0123|ops>` as `#ops`, `<https://x|label>` as `label (https://x)`,
    /// `<!here>` as `@here`, and `&lt;` `&gt;` `&amp;` as the characters. Only Slack's own
    /// markup is read so: other text in angle brackets (`<b>bold</b>`, typed on Matrix) stays
    /// as typed. Text posted back is escaped for its platform again, so none of it pings or
    /// links by itself.
    public static func readable(_ text: String) -> String {
        // Byte by byte, as Foundation's `contains` finds them (inside a character too), without it.
        guard text.utf8.contains(UInt8(ascii: "<")) || text.utf8.contains(UInt8(ascii: "&")) else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            out += rest[..<open]
            let inner = rest[rest.index(after: open)..<close]
            let parts = inner.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            let target = parts[0]
            let label = parts.count > 1 ? parts[1] : nil
            if !isSlackMarkup(target) {
                out += rest[open...close]
            } else if target.hasPrefix("@") || target.hasPrefix("#") {
                out += target.prefix(1) + (label ?? target.dropFirst())
            } else if target.hasPrefix("!") {
                out += "@" + (label.map { $0.hasPrefix("@") ? $0.dropFirst() : $0 } ?? target.dropFirst())
            } else if let label, isBare(label, of: target) {
                out += label
            } else if let label, label != target {
                out += "\(label) (\(target))"
            } else {
                out += target
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return out.replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&amp;", with: "&")
    }

    /// Whether `label` is `target` as typed before Slack made it a link: `api.example.com` for
    /// `http://api.example.com`, `ops@example.com` for `mailto:ops@example.com` (written once,
    /// not `api.example.com (http://api.example.com)`, which went into room names).
    static func isBare(_ label: Substring, of target: Substring) -> Bool {
        ["http://", "https://", "mailto:"].contains { target.lowercased().hasPrefix($0) && target.dropFirst($0.count) == label }
    }

    /// `@U0123`, `#C0123`, `!here`, or a link Slack made of a URL (`https://…`, `mailto:…`).
    static func isSlackMarkup(_ target: Substring) -> Bool {
        guard let first = target.first else { return false }
        if first == "@" || first == "#" || first == "!" { return target.count > 1 && !target.contains(" ") }
        return ["http://", "https://", "mailto:"].contains { target.lowercased().hasPrefix($0) } && !target.contains(" ")
    }
    /// Drops control characters other than line breaks and tabs, and the invisible characters
    /// that only hide or disguise text (`invisible`), and trims. Text with nothing left to see
    /// (only direction marks, joiners, combining marks or spaces) is no text.
    public static func clean(_ text: String) -> String {
        let kept = keptCharacters(text)
        return kept.unicodeScalars.contains(where: isSeen) ? kept : ""
    }

    /// Whether `scalar` shows as something: not a space, and not a format character (the
    /// direction marks kept to shape scripts) or a mark that only combines with another.
    static func isSeen(_ scalar: Unicode.Scalar) -> Bool {
        // ASCII without the tables: printable and not a space.
        if scalar.isASCII { return scalar.value > 0x20 && scalar.value < 0x7F }
        return !scalar.properties.isWhitespace && scalar.properties.generalCategory != .control && !scalar.showsNothingOfItsOwn
    }

    static func keptCharacters(_ text: String) -> String {
        // Printable ASCII, line feeds and tabs (most of what is typed) are all kept as they are.
        if text.utf8.allSatisfy({ (0x20..<0x7F).contains($0) || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t") }) {
            return text.trimmingWhitespace()
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            // ASCII without the tables and sets: printable, line feed and tab kept, carriage
            // return dropped, the other controls (0x00–0x1F, 0x7F) spaces, as below.
            if scalar.isASCII {
                if (scalar.value >= 0x20 && scalar.value != 0x7F) || scalar == "\n" || scalar == "\t" {
                    scalars.append(scalar)
                } else if scalar != "\r" {
                    scalars.append(" ")
                }
                continue
            }
            if invisible.contains(scalar.value) { continue }
            if lineBreaks.contains(scalar.value) {
                scalars.append("\n")
            } else if scalar == "\n" || scalar == "\t" || scalar.properties.generalCategory != .control {
                scalars.append(scalar)
            } else if scalar == "\r" {
                continue
            } else {
                scalars.append(" ")
            }
        }
        return String(scalars).trimmingWhitespace()
    }

    /// `text` with its control characters (line feeds, tabs and carriage returns aside) as
    /// spaces, as `clean` reads them in a command's text: `!sev`(NUL)`P1` is `!sev P1`, as
    /// `!note a`(NUL)`b` notes `a b`. The command word ran into its argument instead
    /// (“Unknown command !sevP1”).
    /// The controls are U+0000–U+001F and U+007F–U+009F (Unicode's `Cc`, all of it): in UTF-8 a
    /// byte under 0x20, 0x7F, or 0xC2 leading U+0080–U+00BF, so text without those bytes (nearly
    /// every command, whatever its script) is passed over in one scan of its bytes.
    static func controlsAsSpaces(_ text: String) -> String {
        guard text.utf8.contains(where: { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D) || $0 == 0x7F || $0 == 0xC2 }) else { return text }
        var scalars = String.UnicodeScalarView()
        var changed = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value), scalar != "\n", scalar != "\t", scalar != "\r", !lineBreaks.contains(value) {
                scalars.append(" ")
                changed = true
            } else {
                scalars.append(scalar)
            }
        }
        return changed ? String(scalars) : text
    }

    /// The line and paragraph separators (U+2028, U+2029) and the next-line control (U+0085):
    /// line breaks as `\n` is, where chat draws them so. Kept as they were, a note's text
    /// after one read as a line of the bot's own, unquoted on Slack (`✅ INC-2 is resolved`).
    static let lineBreaks: Set<UInt32> = [0x2028, 0x2029, 0x0085]

    /// `text` without the `invisible` characters: what is seen, as an option is read. A soft
    /// hyphen inside `--private` (`--pri&shy;vate`, which chat shows as `--private`) was read
    /// as title words, and the incident declared public.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { invisible.contains($0.value) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !invisible.contains(scalar.value) { scalars.append(scalar) }
        return String(scalars)
    }

    /// Zero-width space, word joiner, byte-order mark, soft hyphen, the invisible operators,
    /// the Mongolian vowel separator, the Hangul fillers and the blank Braille pattern (a title
    /// of nothing but these declared an incident and paged), and the bidirectional embeddings,
    /// overrides and isolates (U+202E shows an update's words backwards), and the interlinear
    /// annotation characters. The joiners that
    /// shape emoji and scripts (U+200C, U+200D) and the direction marks (U+200E, U+200F,
    /// U+061C) are kept.
    static let invisible: Set<UInt32> = [0x200B, 0x2060, 0xFEFF, 0x00AD, 0x2061, 0x2062, 0x2063, 0x2064, 0x180E,
                                         0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800,
                                         0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
                                         0xFFF9, 0xFFFA, 0xFFFB]

    /// The text, or its first characters and "…" within `limit` characters: cut with a
    /// visible mark, never silently.
    public static func clipped(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(limit - 1, 0))) + "…"
    }

    /// One line: line breaks and tabs as spaces, runs of spaces as one.
    static func oneLine(_ text: String) -> String {
        clean(text).split(whereSeparator: \.isWhitespaceFast).joined(separator: " ")
    }
}
