/// Incident room names: `incident-YYYYMMDD-desc` (behaviour.md section 3).
public enum RoomName {
    /// Slack's channel name limit; Matrix aliases follow the same name.
    public static let maxLength = 80
    public static let prefix = "incident-"
    /// Used when a title has nothing that survives folding (`!!!`, `🔥🔥`).
    static let untitled = "untitled"

    /// What every room name declared on that day starts with: `incident-20261124-`.
    public static func dayPrefix(_ declaredAt: Timestamp, zone: LocalZone) -> String {
        prefix + zone.civil(declaredAt).compactDate + "-"
    }

    /// The day prefix of a room name `make` gave: `incident-20261124-`.
    public static func dayPrefix(of name: String) -> String {
        String(name.prefix(prefix.count + 9))
    }

    /// The names a new room for `title` could collide with: `make` tries the stem, then the
    /// stem with `-2`, `-3`, ... So only names equal to the stem or starting with it and a
    /// dash matter, found through an index instead of reading the day's every name. A title
    /// too long to fit whole is cut shorter as suffixes grow: then every name starting with
    /// the shortest cut (for suffixes of up to 9 characters) matters.
    public enum Collisions: Hashable, Sendable {
        /// Names equal to it, or starting with it and `-`.
        case stem(String)
        /// Names starting with it.
        case prefix(String)
    }

    public static func collisions(title: String, declaredAt: Timestamp, zone: LocalZone) -> Collisions {
        let base = dayPrefix(declaredAt, zone: zone)
        let slug = slug(title)
        let room = maxLength - base.count
        if slug.count + 10 <= room { return .stem(base + slug) }
        return .prefix(base + cut(slug, to: room - 10))
    }

    /// The room name for an incident titled `title`, declared at `declaredAt` in `zone`,
    /// that is not in `taken` (a taken name gets `-2`, `-3`, ...).
    public static func make(title: String, declaredAt: Timestamp, zone: LocalZone, taken: Set<String> = []) -> String {
        let base = dayPrefix(declaredAt, zone: zone)
        let slug = slug(title)
        var suffixNumber = 1
        while true {
            let suffix = suffixNumber == 1 ? "" : "-\(suffixNumber)"
            let name = base + cut(slug, to: maxLength - base.count - suffix.count) + suffix
            if !taken.contains(name) { return name }
            suffixNumber += 1
        }
    }

    /// Whether `slug` is what a private incident's room is named after its date: `private`,
    /// `private-2`, ...
    public static func isPrivateStem(_ slug: String) -> Bool {
        guard slug.hasPrefix(Declaration.privateRoomTitle) else { return false }
        let rest = slug.utf8.dropFirst(Declaration.privateRoomTitle.utf8.count)
        return rest.isEmpty || (rest.first == UInt8(ascii: "-") && rest.count > 1 && rest.dropFirst().allSatisfy { (0x30...0x39).contains($0) })
    }

    /// Whether `name`, a name `make` gave, is a private incident's: its room was made private,
    /// under a name that tells nothing.
    public static func isPrivateName(_ name: String) -> Bool {
        isPrivateStem(String(name.dropFirst(dayPrefix(of: name).count)))
    }

    /// The title folded to ASCII, lowercased, runs of anything but `a-z0-9` as one `-`, trimmed.
    public static func slug(_ title: String) -> String {
        // Only the start of a very long title can end up in an 80-character name.
        let head = String(title.prefix(200))
        let folded = ASCIIFolding.fold(head).lowercased()
        var slug = ""
        var pendingDash = false
        for scalar in folded.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                if pendingDash, !slug.isEmpty { slug.append("-") }
                pendingDash = false
                slug.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return slug.isEmpty ? untitled : slug
    }

    /// Cuts a slug to at most `limit` characters at a word (dash) boundary; one word longer
    /// than the limit is cut inside the word.
    static func cut(_ slug: String, to limit: Int) -> String {
        guard slug.count > limit else { return slug }
        let head = slug.prefix(limit)
        let nextIsBoundary = slug.dropFirst(limit).first == "-"
        if nextIsBoundary { return String(head) }
        if let lastDash = head.lastIndex(of: "-") { return String(head[..<lastDash]) }
        return String(head)
    }

    /// Whether `name` starts as every room name does: `incident-` and a date, `incident-20261124`,
    /// then `-` or nothing.
    public static func hasDayPrefix(_ name: Substring) -> Bool {
        let rest = name.dropFirst(prefix.count).utf8
        guard name.hasPrefix(prefix), rest.count >= 8, rest.prefix(8).allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        return rest.count == 8 || rest.dropFirst(8).first == UInt8(ascii: "-")
    }

    /// Whether `name` can be a room name: 1 to 80 of `a-z`, `0-9`, `-`.
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxLength
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }

    /// `text` with the room reference `asked` (`#incident-…`) as `made`, where it stands whole:
    /// not where it begins a longer name (`#asked-2`).
    public static func renaming(_ asked: String, to made: String, in text: String) -> String {
        guard asked != made, text.contains(asked) else { return text }
        var result = ""
        var rest = Substring(text)
        while let found = rest.range(of: asked) {
            result += rest[..<found.lowerBound]
            let after = rest[found.upperBound...].first
            let whole = after.map { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } ?? true
            result += whole ? made : asked
            rest = rest[found.upperBound...]
        }
        return result + rest
    }
}
