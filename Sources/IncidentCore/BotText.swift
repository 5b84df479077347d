/// The bot's own words with the commands in them marked, so that each platform shows a command
/// the way its people type it (`/ack INC-4` on Slack and the console, `!ack INC-4` on Matrix).
/// Written as a string literal: `"Type \(command: "incident help") for the list."`. Refusals
/// and usage lines are `BotText`; messages carry the same `Span.command` (and `Span.room`).
public struct BotText: Hashable, Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var spans: [Span]

    public init(_ spans: [Span]) { self.spans = spans }

    public init(stringLiteral value: String) {
        spans = value.isEmpty ? [] : [.text(value)]
    }

    public init(stringInterpolation: Interpolation) {
        spans = stringInterpolation.spans
    }

    /// Text with no commands in it, as it is.
    public static func plain(_ text: String) -> BotText { BotText(stringLiteral: text) }

    /// A command as the manual writes it (`/ack [INC-N]`), marked as a command.
    public static func command(typed line: String) -> BotText {
        BotText([.command(line.hasPrefix("/") || line.hasPrefix("!") ? String(line.dropFirst()) : line)])
    }

    /// Prose as the command manual writes it, with its code in backticks: a command there
    /// (`` `/ack INC-42` ``) is marked as one, shown as each platform types it, and any other
    /// code (`` `P1` ``) as code. A last backtick without its pair, and an empty pair, stay as
    /// they are.
    public static func prose(_ text: String) -> BotText {
        var joined = Interpolation(literalCapacity: 0, interpolationCount: 0)
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "`"),
              let close = rest[rest.index(after: open)...].firstIndex(of: "`") {
            joined.append(.text(String(rest[..<open])))
            let code = rest[rest.index(after: open)..<close]
            if code.isEmpty {
                joined.append(.text("``"))
            } else if code.first == "/", code.dropFirst().first?.isLetter == true {
                joined.append(.command(String(code.dropFirst())))
            } else {
                joined.append(.code(String(code)))
            }
            rest = rest[rest.index(after: close)...]
        }
        joined.append(.text(String(rest)))
        return BotText(joined.spans)
    }

    /// The text with commands written as on Slack and the console: `/ack INC-4`.
    public var description: String { spans.map { $0.plainText(name: { $0.handle }) }.joined() }

    public static func + (lhs: BotText, rhs: BotText) -> BotText {
        var joined = Interpolation(literalCapacity: 0, interpolationCount: 0)
        for span in lhs.spans + rhs.spans { joined.append(span) }
        return BotText(joined.spans)
    }

    public struct Interpolation: StringInterpolationProtocol, Sendable {
        var spans: [Span] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { append(.text(literal)) }

        public mutating func appendInterpolation<T>(_ value: T) { append(.text(String(describing: value))) }

        /// A command as typed without its leading `/` or `!`: `\(command: "ack INC-4")`.
        public mutating func appendInterpolation(command: String) { append(.command(command)) }

        /// Bot text within bot text, its commands and rooms kept as such.
        public mutating func appendInterpolation(_ text: BotText) { for span in text.spans { append(span) } }

        /// An incident's room by the name it was asked for: `\(room: incident.room)`. A room
        /// made under another name (taken on its platform) is named as made where it is shown.
        public mutating func appendInterpolation(room: String) { append(.room(room)) }

        /// Adjacent text stays one span, so plain sentences compare equal to their literal.
        mutating func append(_ span: Span) {
            if case .text(let more) = span, case .text(let text)? = spans.last {
                spans[spans.count - 1] = .text(text + more)
            } else if span != .text("") {
                spans.append(span)
            }
        }
    }
}
