import IncidentCore

/// One line typed at the console: `[#room] user: text`, a control line, or nothing.
public enum ConsoleLine: Hashable, Sendable {
    case say(room: String?, user: String, text: String)
    case advance(Duration)
    case now
    case rooms
    case help
    case quit
    /// Blank, or a `# comment` (drill scripts explain themselves).
    case nothing

    public static let usage = "type `[#room] user: text` (the room is optional), or :advance 15m, :now, :rooms, :help, :quit"

    /// Reads a line; the error is one line saying what is wrong.
    public static func parse(_ raw: String) -> Result<ConsoleLine, ConsoleLineError> {
        let line = raw.trimmingWhitespace()
        if line.isEmpty || line.hasPrefix("# ") || line == "#" { return .success(.nothing) }
        if line.hasPrefix(":") { return control(line) }
        var rest = Substring(line)
        var room: String?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                return .failure(ConsoleLineError("the room has no closing ]; \(usage)"))
            }
            var name = rest[rest.index(after: rest.startIndex)..<close].trimmingWhitespace()
            if name.hasPrefix("#") { name.removeFirst() }
            guard !name.isEmpty, !name.contains(where: \.isWhitespaceFast) else {
                return .failure(ConsoleLineError("“[\(name)]” is not a room; write it as [#incident-20261122-db-outage]"))
            }
            room = name
            rest = rest[rest.index(after: close)...]
        }
        guard let colon = rest.firstIndex(of: ":") else {
            return .failure(ConsoleLineError("no “user:” before the text; \(usage)"))
        }
        var user = rest[..<colon].trimmingWhitespace()
        if user.hasPrefix("@") { user.removeFirst() }
        guard !user.isEmpty, !user.contains(where: \.isWhitespaceFast) else {
            return .failure(ConsoleLineError("“\(rest[..<colon].trimmingWhitespace())” is not a user name; \(usage)"))
        }
        let text = rest[rest.index(after: colon)...].trimmingWhitespace()
        guard !text.isEmpty else { return .failure(ConsoleLineError("\(user) said nothing; \(usage)")) }
        return .success(.say(room: room, user: user, text: text))
    }

    static func control(_ line: String) -> Result<ConsoleLine, ConsoleLineError> {
        let words = line.split(whereSeparator: \.isWhitespaceFast)
        let word = words[0].lowercased()
        let simple: [String: ConsoleLine] = [":now": .now, ":rooms": .rooms, ":help": .help, ":quit": .quit, ":q": .quit]
        if let control = simple[word] {
            guard words.count == 1 else { return .failure(ConsoleLineError("\(word) takes nothing after it")) }
            return .success(control)
        }
        guard word == ":advance" else {
            return .failure(ConsoleLineError("unknown control “\(words[0].prefix(40))”; \(usage)"))
        }
        guard words.count == 2, let duration = DurationText.parse(String(words[1])), duration > .zero,
              duration <= .days(365) else {
            return .failure(ConsoleLineError(":advance takes one duration up to a year, like :advance 16m or :advance 1h30m"))
        }
        return .success(.advance(duration))
    }
}

public struct ConsoleLineError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
