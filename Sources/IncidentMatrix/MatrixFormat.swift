import IncidentCore
import IncidentEngine
import IncidentWire

/// Renders a `Message` as a Matrix `m.notice`: a plain `body` and an HTML `formatted_body`
/// (`org.matrix.custom.html`). Mentions are pills listed in `m.mentions`, so exactly the people
/// mentioned are notified; text a user typed is HTML-escaped and cannot ping `@room`.
public enum MatrixFormat {
    /// The event content of a notice.
    public static func notice(_ message: Message, people: [PersonID: Contact]) -> JSONValue {
        let mentioned = mentionedAccounts(message, people: people)
        return [
            "msgtype": "m.notice",
            "body": .string(body(message, people: people)),
            "format": "org.matrix.custom.html",
            "formatted_body": .string(html(message, people: people)),
            "m.mentions": ["user_ids": .array(mentioned.map(JSONValue.string))],
        ]
    }

    /// The accounts a message mentions, once each, in order.
    static func mentionedAccounts(_ message: Message, people: [PersonID: Contact]) -> [String] {
        var seen: Set<String> = []
        return message.mentions.compactMap { people[$0]?.account }.filter { seen.insert($0).inserted }
    }

    /// Plain text: mentions by Matrix id where the person has one.
    public static func body(_ message: Message, people: [PersonID: Contact]) -> String {
        message.plainText { people[$0]?.account ?? people[$0]?.handle ?? "@" + $0.rawValue }
    }

    public static func html(_ message: Message, people: [PersonID: Contact]) -> String {
        message.lines.map { line in line.map { span($0, people: people) }.joined() }.joined(separator: "<br>")
    }

    static func span(_ span: Span, people: [PersonID: Contact]) -> String {
        switch span {
        case .text(let text): escape(text)
        case .strong(let text): "<strong>" + escape(text) + "</strong>"
        case .userText(let text): escape(BroadcastMentions.neutralize(text))
        case .mention(let person):
            if let account = people[person]?.account {
                "<a href=\"https://matrix.to/#/\(escape(account))\">\(escape(people[person]?.handle ?? account))</a>"
            } else {
                escape(people[person]?.handle ?? "@" + person.rawValue)
            }
        case .room(let name): "#" + escape(name)
        case .code(let text): "<code>" + escape(text) + "</code>"
        case .link(let url, let label):
            url.hasPrefix("https://") || url.hasPrefix("http://")
                ? "<a href=\"\(escape(url))\">\(escape(label))</a>"
                : escape(label == url ? url : "\(label) (\(url))")
        }
    }

    /// HTML's five special characters, so typed text shows as typed and never becomes markup.
    public static func escape(_ text: String) -> String { text.escaping(entities) }

    static let entities: [Character: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]

    /// A room topic: plain text, the message's lines joined with ` · `.
    public static func topic(_ message: Message, people: [PersonID: Contact]) -> String {
        message.plainText { people[$0]?.handle ?? "@" + $0.rawValue }.split(separator: "\n").joined(separator: " · ")
    }
}
