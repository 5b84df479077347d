/// The link to an incident's call (its bridge): a link chat can carry as it is (`ChatLink`),
/// short enough to sit in a Slack channel topic beside the rest (`maxLength`).
public struct CallLink: Hashable, Sendable, Codable, CustomStringConvertible {
    public let url: String

    /// Longest link: the topic (`SEV P1 | IC @alice | status: ... | next update ... | call: ...`)
    /// should stay within Slack's 250 characters (past them Slack's topic leaves the link out).
    public static let maxLength = 120

    public init?(_ text: String) {
        guard ChatLink.isSafe(text, maxLength: Self.maxLength) else { return nil }
        url = text
    }

    /// A link stored before mentions, or format characters, were refused in links reads as it
    /// was written.
    init?(stored text: String) {
        guard ChatLink.isSafe(text, maxLength: Self.maxLength, allowingMentions: true, allowingFormat: true) else { return nil }
        url = text
    }

    public var description: String { url }

    /// A policy's `call` template with its placeholders filled: `{id}` (INC-12), `{number}`
    /// (12) and `{room}` (the room's name). Nil when the result is not a link.
    public static func filling(_ template: String, id: String, number: Int, room: String) -> CallLink? {
        CallLink(template.replacing("{id}", with: id).replacing("{number}", with: String(number)).replacing("{room}", with: room))
    }

    /// Why `template` cannot make links, or nil when it can: filled for an incident with the
    /// longest room name, it must be a link, and it may hold no other `{...}` placeholder.
    public static func problem(inTemplate template: String) -> String? {
        let known = ["{id}", "{number}", "{room}"]
        var rest = template
        for placeholder in known { rest = rest.replacing(placeholder, with: "") }
        if rest.contains("{") || rest.contains("}") {
            return "a call template may hold only the placeholders \(known.joined(separator: ", "))"
        }
        let longestRoom = String(repeating: "x", count: RoomName.maxLength)
        guard filling(template, id: "INC-99999", number: 99_999, room: longestRoom) != nil else {
            return "expected an http or https link of at most \(maxLength) characters once filled, with no spaces, invisible characters or <>|\"\\`"
        }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let link = CallLink(stored: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a call link"))
        }
        self = link
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(url)
    }
}
