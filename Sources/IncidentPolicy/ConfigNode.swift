import IncidentCore
import Yams

/// A node of a YAML config file that remembers its file, line and key path, so that every
/// error names all three. Mappings refuse keys they do not know, which catches typos.
public struct ConfigNode {
    let node: Node
    public let file: String
    /// `ladders.engineering.levels[2].wait`; empty for the document root.
    public let path: String
    /// The line of the key this node is the value of, when it is one: an error about a block
    /// mapping names its key's line, not its first child's.
    var keyLine: Int? = nil

    /// Parses `text` (the contents of `file`). An empty document is an error.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigNode.syntaxError(error, file: file)
        } catch {
            throw ConfigError(file: file, line: 0, reason: "cannot read YAML: \(error)")
        }
        guard let root else { throw ConfigError(file: file, line: 1, reason: "the file is empty") }
        return ConfigNode(node: root, file: file, path: "")
    }

    static func syntaxError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, let yaml), .parser(let context, let problem, let mark, let yaml),
             .composer(let context, let problem, let mark, let yaml):
            // A tab where YAML wants indentation reads as "found character that cannot start
            // any token": said in the editor's words instead.
            if character(atLine: mark.line, column: mark.column, in: yaml) == "\t" {
                return ConfigError(file: file, line: mark.line, reason: "a tab at column \(mark.column): YAML indents with spaces, never tabs")
            }
            let detail = context.map { " (\($0.text))" } ?? ""
            return ConfigError(file: file, line: mark.line, reason: "YAML syntax: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(file: file, line: context.mark.line,
                               reason: "duplicate key \(duplicates.joined(separator: ", "))")
        case .reader(let problem, let offset, let value, let yaml):
            // A NUL or another control character: the reader gives where, in characters.
            let line = offset.map { offset in 1 + yaml.prefix(offset).reduce(0) { $0 + ($1.isNewline ? 1 : 0) } } ?? 0
            let hex = String(value, radix: 16, uppercase: true)
            let what = value >= 0 && value < 0x110000 ? " (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))" : ""
            return ConfigError(file: file, line: line, reason: "YAML: \(problem)\(what)")
        default:
            return ConfigError(file: file, line: 0, reason: "YAML: \(error)")
        }
    }

    /// The character at a mark's line and column (both from 1, the column in Unicode scalars).
    static func character(atLine line: Int, column: Int, in yaml: String) -> Unicode.Scalar? {
        guard line >= 1, column >= 1 else { return nil }
        var lines = yaml.split(maxSplits: line, omittingEmptySubsequences: false, whereSeparator: \.isNewline).dropFirst(line - 1).makeIterator()
        guard let text = lines.next() else { return nil }
        let scalars = text.unicodeScalars
        return scalars.index(scalars.startIndex, offsetBy: column - 1, limitedBy: scalars.endIndex)
            .flatMap { $0 < scalars.endIndex ? scalars[$0] : nil }
    }

    public var line: Int { keyLine ?? node.mark?.line ?? 0 }

    /// An error at this node.
    public func error(_ reason: String) -> ConfigError {
        ConfigError(file: file, line: line, reason: path.isEmpty ? reason : "\(path): \(reason)")
    }

    func child(_ node: Node, _ component: String) -> ConfigNode {
        ConfigNode(node: node, file: file, path: path.isEmpty ? component : path + component.withDotPrefix)
    }

    /// The node as a mapping whose keys must all be in `keys`, or in `retired`: keys taken only
    /// to be refused with where they went, so left out of the list an unknown key is shown.
    public func mapping(keys: [String]? = nil, retired: [String] = []) throws(ConfigError) -> ConfigMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys to values") }
        var entries: [(String, ConfigNode)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw ConfigNode(node: key, file: file, path: path).error("keys must be plain words")
            }
            if let keys, !keys.contains(scalar.string), !retired.contains(scalar.string) {
                let keyNode = ConfigNode(node: key, file: file, path: path)
                throw keyNode.error("unknown key “\(scalar.string)”; expected one of \(keys.joined(separator: ", "))")
            }
            var valueNode = child(value, scalar.string)
            valueNode.keyLine = key.mark?.line
            entries.append((scalar.string, valueNode))
        }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// The node as a list.
    public func list() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, like [a, b]") }
        return sequence.enumerated().map { index, item in child(item, "[\(index)]") }
    }

    /// The node as text; an empty text is an error unless `allowEmpty`.
    public func string(allowEmpty: Bool = false) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a text value") }
        // `~` and a plain `null` are YAML's way of writing nothing: read as empty, not as the text.
        let isNull = scalar.style == .plain && ["~", "null", "Null", "NULL"].contains(scalar.string)
        guard allowEmpty || !(isNull || scalar.string.trimmingWhitespace().isEmpty) else {
            throw error(isNull ? "must not be empty (“\(scalar.string)” is YAML's empty value)" : "must not be empty")
        }
        return isNull ? "" : scalar.string
    }

    public func int(min: Int = 0, max: Int? = nil, why: String = "") throws(ConfigError) -> Int {
        let text = try string()
        guard let value = Int(text) else { throw error("expected a whole number, not “\(text)”") }
        guard value >= min else { throw error("must be \(min) or more, not \(value)") }
        if let max, value > max { throw error("must be \(max) or less\(why), not \(value)") }
        return value
    }

    public func bool() throws(ConfigError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("expected true or false, not “\(other)”")
        }
    }

    /// A duration like `15m`, `2h`, `1h30m`, `5d`; `none` gives nil when `allowNone`. `atLeast`:
    /// the shortest it may be, and why (a page's wait: people are woken no more often).
    public func duration(allowNone: Bool = false, positive: Bool = true,
                         atLeast: (least: Duration, why: String)? = nil) throws(ConfigError) -> Duration? {
        let text = try string().trimmingWhitespace()
        if allowNone, text.lowercased() == "none" { return nil }
        if text.hasPrefix("-") { throw error("must not be negative, not “\(text)”") }
        guard let duration = DurationText.parse(text) else {
            switch DurationText.slip(text) {
            case .tooLarge: throw error("must be at most \(DurationText.format(Self.longestDuration)), not “\(text)”")
            case .unitOrder: throw error("“\(text)” writes a unit twice or a smaller one before a larger; write each once, the larger first, as 1h30m")
            case nil:
                let none = allowNone ? ", or none" : ""
                throw error("expected a duration like 15m, 2h or 1h30m\(none), not “\(text)”" + DurationText.capitalMHint(text))
            }
        }
        if positive, duration <= .zero { throw error("must be longer than zero") }
        if duration > Self.longestDuration { throw error("must be at most \(DurationText.format(Self.longestDuration)), not “\(text)”") }
        if let (least, why) = atLeast, duration < least {
            throw error("must be at least \(DurationText.format(least))\(why), not \(text)")
        }
        return duration
    }

    /// The longest any duration in a config file may be: no wait, cadence, turn or retention
    /// a team means is longer than a year, and `1000000w` showed updates due in the year 21191.
    public static let longestDuration = Duration.days(366)

    public func severity() throws(ConfigError) -> Severity {
        let text = try string()
        guard let severity = Severity(rawValue: text.uppercased()) else {
            throw error("unknown severity “\(text)”; use P0, P1, P2 or P3")
        }
        return severity
    }

    public func timestamp() throws(ConfigError) -> Timestamp {
        let text = try string()
        guard let instant = Timestamp(iso8601: text) else {
            throw error("expected a time like 2026-01-05T09:00:00Z, not “\(text)”")
        }
        return instant
    }
}

/// A mapping's entries, in file order.
public struct ConfigMapping {
    public let owner: ConfigNode
    public let entries: [(key: String, value: ConfigNode)]

    public func optional(_ key: String) -> ConfigNode? {
        entries.first { $0.key == key }?.value
    }

    public func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let value = optional(key) else { throw owner.error("missing “\(key)”") }
        return value
    }
}

extension String {
    var withDotPrefix: String { hasPrefix("[") ? self : "." + self }
}
