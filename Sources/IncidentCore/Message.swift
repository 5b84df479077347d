/// A message the bot sends, platform-neutral. Each platform renders it (Slack mrkdwn and
/// Block Kit, Matrix HTML, plain console lines); user-typed text stays marked as such so
/// every renderer can escape it.
public struct Message: Hashable, Sendable, Codable {
    /// Lines of the message; each line is a run of spans.
    public var lines: [[Span]]
    /// Buttons a platform may show under the message.
    public var actions: [MessageAction]
    /// What the message is for.
    public var kind: Kind

    /// What a message is for. A page, a nudge, a reminder and a warning ask a person to act
    /// now, and a platform must let them notify (Matrix clients stay silent for `m.notice` by
    /// default); anything else is a notice.
    public enum Kind: String, Hashable, Sendable, Codable {
        case notice
        case page
        case nudge
        case reminder
        /// Something the incident's leads must act on that names someone else (a person no
        /// method could page): where the room refuses it, it goes to the incident's IC (or
        /// acting declarer) and the people a nudge would, not to the people it names.
        case warning

        public var callsForAttention: Bool { self != .notice }

        /// The people it mentions are the ones it asks to act (a nudge's IC, a reminder's
        /// owner), so each must see it; a warning names someone for others to act on.
        public var asksItsMentions: Bool { self == .nudge || self == .reminder }
    }

    public init(lines: [[Span]] = [], actions: [MessageAction] = [], kind: Kind = .notice) {
        self.lines = lines
        self.actions = actions
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey {
        case lines, actions, kind
    }

    /// Messages stored before `kind` existed read as notices.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lines = try container.decode([[Span]].self, forKey: .lines)
        actions = try container.decode([MessageAction].self, forKey: .actions)
        // A kind a later version added reads as a notice, not as a row that cannot be read.
        kind = try container.decodeIfPresent(String.self, forKey: .kind).flatMap(Kind.init(rawValue:)) ?? .notice
    }

    public init(_ spans: Span...) {
        self.init(lines: [spans])
    }

    public mutating func line(_ spans: Span...) { lines.append(spans) }
    public mutating func line(_ spans: [Span]) { lines.append(spans) }

    /// The message without the lines that ask to type a command (`Acknowledge with /ack
    /// INC-4.`): for a reader who cannot type one, a call read out or someone with no chat
    /// account, who is told how to answer where the message reaches them instead.
    public var withoutCommandLines: Message {
        var message = self
        message.lines = lines.filter { !$0.contains { if case .command = $0 { true } else { false } } }
        return message
    }

    /// The message with each room named by a key of `names` named by its value instead: an
    /// incident's room as a platform made it, when its name was taken there.
    public func renamingRooms(_ names: [String: String]) -> Message {
        guard !names.isEmpty else { return self }
        var renamed = self
        renamed.lines = lines.map { spans in
            spans.map { span in
                if case .room(let name) = span, let actual = names[name] { return .room(actual) }
                return span
            }
        }
        return renamed
    }

    /// The rooms the message names.
    public var rooms: Set<String> {
        Set(lines.joined().compactMap { span in
            if case .room(let name) = span { return name }
            return nil
        })
    }

    /// Everyone the message mentions, in order of first mention.
    public var mentions: [PersonID] {
        var seen: Set<PersonID> = []
        return lines.joined().compactMap { span in
            if case .mention(let person) = span, seen.insert(person).inserted { return person }
            return nil
        }
    }

    /// The message as plain text, mentions shown by `name`, commands after `commandPrefix`,
    /// one line per line.
    public func plainText(name: (PersonID) -> String = { $0.handle }, commandPrefix: String = "/") -> String {
        // Into one string: every message delivered on the console, and every page by mail and
        // text, is made so.
        var text = ""
        for (index, spans) in lines.enumerated() {
            if index > 0 { text += "\n" }
            for span in spans { text += span.plainText(name: name, commandPrefix: commandPrefix) }
        }
        return text
    }
}

/// A piece of a message line.
public enum Span: Hashable, Sendable, Codable {
    /// Text the bot wrote.
    case text(String)
    /// Text the bot wrote, emphasised.
    case strong(String)
    /// Text a user typed: never trusted to format, link or ping.
    case userText(String)
    /// A person, shown so that they are notified.
    case mention(PersonID)
    /// An incident's room, by name.
    case room(String)
    /// A literal to show as code: a command line for the shell, a key.
    case code(String)
    /// A chat command as a person types it, without the leading character, which each
    /// platform writes as its people type it (`/` on Slack, `!` on Matrix): `ack INC-4`.
    case command(String)
    /// A link with a label.
    case link(url: String, label: String)
    /// Text shown exactly as written, lines and all, in a fixed-width block standing as its
    /// line's only span: a post-mortem draft to copy into a document. Nothing in it formats,
    /// links or pings.
    case block(String)

    /// Stored as a short array, `["t", "words"]` (`["l", url, label]` for a link): one
    /// container a span instead of the two of Swift's synthesized form, which made encoding
    /// messages for the outbox a tenth of a command's cost. Spans stored in that older form
    /// (`{"text": {"_0": "words"}}`) still read.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        switch self {
        case .text(let text): try container.encode("t"); try container.encode(text)
        case .strong(let text): try container.encode("s"); try container.encode(text)
        case .userText(let text): try container.encode("u"); try container.encode(text)
        case .mention(let person): try container.encode("m"); try container.encode(person.rawValue)
        case .room(let room): try container.encode("r"); try container.encode(room)
        case .code(let text): try container.encode("c"); try container.encode(text)
        case .command(let command): try container.encode("k"); try container.encode(command)
        case .block(let text): try container.encode("b"); try container.encode(text)
        case .link(let url, let label): try container.encode("l"); try container.encode(url); try container.encode(label)
        }
    }

    public init(from decoder: any Decoder) throws {
        guard var container = try? decoder.unkeyedContainer() else {
            self = try SynthesizedSpan(from: decoder).span
            return
        }
        let tag = try container.decode(String.self)
        let value = try container.decode(String.self)
        switch tag {
        case "t": self = .text(value)
        case "s": self = .strong(value)
        case "u": self = .userText(value)
        case "m": self = .mention(PersonID(value))
        case "r": self = .room(value)
        case "c": self = .code(value)
        case "k": self = .command(value)
        case "b": self = .block(value)
        case "l": self = .link(url: value, label: try container.decode(String.self))
        default:
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown span kind “\(tag)”")
        }
    }

    public func plainText(name: (PersonID) -> String, commandPrefix: String = "/") -> String {
        switch self {
        case .text(let text), .strong(let text), .code(let text): text
        case .command(let command): commandPrefix + command
        case .userText(let text), .block(let text): BroadcastMentions.neutralize(text)
        case .mention(let person): name(person)
        case .room(let room): "#" + room
        case .link(let url, let label): label == url ? url : "\(label) (\(url))"
        }
    }
}

/// The form spans were stored in before they had a Codable of their own (Swift's synthesized
/// one): read, never written.
private enum SynthesizedSpan: Decodable {
    case text(String)
    case strong(String)
    case userText(String)
    case mention(PersonID)
    case room(String)
    case code(String)
    case command(String)
    case link(url: String, label: String)

    var span: Span {
        switch self {
        case .text(let text): .text(text)
        case .strong(let text): .strong(text)
        case .userText(let text): .userText(text)
        case .mention(let person): .mention(person)
        case .room(let room): .room(room)
        case .code(let text): .code(text)
        case .command(let command): .command(command)
        case .link(let url, let label): .link(url: url, label: label)
        }
    }
}

/// Buttons a message may carry (Slack `block_actions`); platforms without buttons drop them.
public enum MessageAction: String, Hashable, Sendable, Codable {
    case acknowledge
    case postUpdate
}

/// Keeps user-typed text from pinging everyone.
public enum BroadcastMentions {
    static let words = ["channel", "here", "room", "everyone"]

    /// Puts a word joiner (U+2060) after the `@` of `@channel`, `@here`, `@room` and `@everyone`
    /// (any case), so the text reads the same but no platform treats it as a broadcast mention.
    /// By code point: an `@` inside a character joined to what came before it (U+0600 `@`) is
    /// still an `@` to the platform.
    public static func neutralize(_ text: String) -> String {
        guard text.unicodeScalars.contains("@") else { return text }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            result.append(scalar)
            guard scalar == "@" else { continue }
            // The word's own code points, each lowered: a mark after its last letter (`@room` and
            // U+200D) made one character of the two, and a comparison by character missed it.
            let after = scalars[(index + 1)...]
            if words.contains(where: { word in
                after.count >= word.unicodeScalars.count
                    && String(String.UnicodeScalarView(after.prefix(word.unicodeScalars.count))).lowercased() == word
            }) { result.append("\u{2060}") }
        }
        return String(result)
    }
}

extension Message {
    /// A one-line refusal or error: the bot's own words, which may quote what someone typed
    /// (`I don't know @room`), so broadcast mentions in it are neutralized as in user text.
    public static func refusal(_ text: BotText) -> Message {
        Message(lines: [text.spans.map { span in
            if case .text(let words) = span { .text(BroadcastMentions.neutralize(words)) } else { span }
        }])
    }
}
