import IncidentCommands
import IncidentCore
import IncidentEngine
import IncidentWire

/// Renders a `Message` as a Matrix message: a plain `body` and an HTML `formatted_body`
/// (`org.matrix.custom.html`). Mentions are pills listed in `m.mentions`, so exactly the people
/// mentioned are notified; text a user typed is HTML-escaped and cannot ping `@room`.
///
/// A bot's messages are `m.notice`, except those that call for someone's attention (pages,
/// nudges, reminders: `Message.Kind.callsForAttention`), which are `m.text`: the default push
/// rule `.m.rule.suppress_notices` keeps clients silent for notices, and a page that does not
/// ring is no page.
public enum MatrixFormat {
    /// How much of Matrix's 65,536-byte event limit a notice's content may take: the rest is
    /// the event's own fields, its signatures and hashes.
    static let contentLimit = 60_000
    static let cutMarker = "\n… (cut: longer than a Matrix message can be)"

    /// `m.text` for what must notify, `m.notice` for the rest.
    static func msgtype(_ message: Message) -> String { message.kind.callsForAttention ? "m.text" : "m.notice" }

    /// The event content of a notice. One that would be over Matrix's event size is sent as
    /// plain text only, cut with a marker (HTML cannot be cut safely mid-tag).
    /// `rooms`: room ids by the names the message shows, linked in its HTML.
    public static func notice(_ message: Message, people: [PersonID: Contact], rooms: [String: String] = [:]) -> JSONValue {
        let mentioned = mentionedAccounts(message, people: people)
        let plain = body(message, people: people)
        let msgtype = JSONValue.string(msgtype(message))
        // A body past the limit on its own is cut at once: the whole record of a long
        // incident, rendered to HTML and JSON only to be measured, took seconds.
        if plain.utf8.count <= contentLimit {
            let content: JSONValue = [
                "msgtype": msgtype,
                "body": .string(plain),
                "format": "org.matrix.custom.html",
                "formatted_body": .string(html(message, people: people, rooms: rooms)),
                "m.mentions": ["user_ids": .array(mentioned.map(JSONValue.string))],
            ]
            if content.text.utf8.count <= contentLimit { return content }
        }
        // Cut to fit as JSON, which may escape a character into several bytes (`\u0000`).
        var budget = contentLimit - 1_000
        while true {
            let cut: JSONValue = [
                "msgtype": msgtype,
                "body": .string(plain.clipped(to: budget, in: .utf8, marker: cutMarker)),
                "m.mentions": ["user_ids": .array(mentioned.map(JSONValue.string))],
            ]
            let size = cut.text.utf8.count
            if size <= contentLimit || budget < 1_000 { return cut }
            budget = budget * contentLimit / size - 1_000
        }
    }

    /// The accounts a message mentions, once each, in order.
    static func mentionedAccounts(_ message: Message, people: [PersonID: Contact]) -> [String] {
        var seen: Set<String> = []
        return message.mentions.compactMap { people[$0]?.account }.filter { seen.insert($0).inserted }
    }

    /// Plain text: mentions by Matrix id where the person has one. An account named like a
    /// broadcast (`@room:example.org`, anyone may register one) is neutralized as typed text
    /// is, here and in the HTML's link text: a client reading `@room` as of old would have
    /// pinged the whole room, as the bot, which holds the power to.
    public static func body(_ message: Message, people: [PersonID: Contact]) -> String {
        message.plainText(name: { BroadcastMentions.neutralize(people[$0]?.account ?? people[$0]?.handle ?? $0.handle) },
                          commandPrefix: commandPrefix)
    }

    /// Matrix clients take a leading `/` for their own commands (Element answers
    /// "Unrecognised command"), so commands are shown, and typed, with `!`.
    static let commandPrefix = Platform.matrix.commandPrefix

    /// Lines end with `<br>`, except beside a block: a `<pre>` is a line of its own already.
    public static func html(_ message: Message, people: [PersonID: Contact], rooms: [String: String] = [:]) -> String {
        var html = ""
        for (index, line) in message.lines.enumerated() {
            if index > 0, !isBlock(message.lines[index - 1]), !isBlock(line) { html += "<br>" }
            html += line.map { span($0, people: people, rooms: rooms) }.joined()
        }
        return html
    }

    static func isBlock(_ line: [Span]) -> Bool { line.contains { if case .block = $0 { true } else { false } } }

    /// A room with a known id is a matrix.to link to it (clients show a room pill and open the
    /// room); the plain body keeps its name.
    static func span(_ span: Span, people: [PersonID: Contact], rooms: [String: String] = [:]) -> String {
        switch span {
        case .text(let text): escape(text)
        case .strong(let text): "<strong>" + escape(text) + "</strong>"
        case .userText(let text): escape(BroadcastMentions.neutralize(text))
        case .mention(let person):
            if let account = people[person]?.account {
                "<a href=\"https://matrix.to/#/\(escape(account))\">\(escape(BroadcastMentions.neutralize(people[person]?.handle ?? account)))</a>"
            } else {
                escape(BroadcastMentions.neutralize(people[person]?.handle ?? person.handle))
            }
        case .room(let name):
            if let id = rooms[name], isRoomID(id) { "<a href=\"https://matrix.to/#/\(escape(id))\">#\(escape(name))</a>" } else { "#" + escape(name) }
        case .code(let text): "<code>" + escape(text) + "</code>"
        case .command(let command): "<code>" + escape(commandPrefix + command) + "</code>"
        case .block(let text): "<pre><code>" + escape(BroadcastMentions.neutralize(text)) + "</code></pre>"
        case .link(let url, let label):
            url.hasPrefix("https://") || url.hasPrefix("http://")
                ? "<a href=\"\(escape(url))\">\(escape(label))</a>"
                : escape(label == url ? url : "\(label) (\(url))")
        }
    }

    /// Whether `id` can be a Matrix room id to put in a link: `!`, then printable ASCII with
    /// nothing that ends or changes a URL's fragment or an HTML attribute.
    public static func isRoomID(_ id: String) -> Bool {
        id.hasPrefix("!") && id.utf8.count <= 255
            && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !"\"'<>&?#%\\ `".utf8.contains($0) }
    }

    /// HTML's five special characters, so typed text shows as typed and never becomes markup.
    public static func escape(_ text: String) -> String { text.htmlEscaped }

    /// A room topic: plain text, the message's lines joined with ` · `.
    public static func topic(_ message: Message, people: [PersonID: Contact]) -> String {
        message.plainText(name: { people[$0]?.handle ?? $0.handle }, commandPrefix: commandPrefix).split(separator: "\n").joined(separator: " · ")
            .clipped(to: 1_000, in: .utf8)
    }
}
