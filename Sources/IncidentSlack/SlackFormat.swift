import Foundation
import IncidentCore
import IncidentEngine
import IncidentWire

/// Renders a `Message` for Slack: mrkdwn `text` (the notification and fallback) and Block Kit
/// `blocks`, with the message's buttons. User-typed text is escaped so it cannot link, ping
/// `<!channel>`/`<!here>`/`<!everyone>` or forge a mention, and quoted where it starts a line
/// so it cannot pass for one of the bot's (`fullText`).
public enum SlackFormat {
    /// Action ids of the buttons, as `block_actions` sends them back.
    public static let acknowledgeAction = "incident_ack"
    public static let postUpdateAction = "incident_post_update"
    /// Slack's limits, in its own units (UTF-16 code units): a section block's text, blocks in
    /// one message, a message's text, a channel topic.
    static let sectionLimit = 3_000
    static let blockLimit = 50
    /// The text of all of a message's blocks together: Slack refuses more than about 12,000
    /// (`msg_blocks_too_long`; not among its published limits, measured by others), so the
    /// blocks keep a margin below it.
    static let blocksTextLimit = 11_000
    static let textLimit = 40_000
    static let topicLimit = 250
    /// What ends a message Slack could not show whole.
    static let cutMarker = "\n… (cut: longer than Slack shows in one message)"

    /// The mrkdwn text of a message; mentions are `<@U…>` for people with a Slack account.
    /// Within Slack's 40,000-unit limit, cut with a marker past it.
    public static func text(_ message: Message, people: [PersonID: Contact], rooms: [String: String] = [:]) -> String {
        fullText(message, people: people, rooms: rooms).clipped(to: textLimit, in: .utf16, marker: cutMarker)
    }

    /// Typed text that starts a line (an update's lines, a note's second line) is quoted (`>`):
    /// mrkdwn has no way to escape `*`, `_` or `~`, and typed lines such as
    /// `*✅ INC-3 is resolved* … stand down` looked, in the broadcast channel, exactly like the
    /// bot's own. Quoted, whatever a person types reads as what they typed.
    /// A line longer than a section is shown in several, and each piece after the first starts
    /// a section where typed text could pass for the bot's: there the typed part goes on quoted
    /// lines of its own (`Status:` then `> …`), so every piece of it is quoted.
    ///
    /// Lines past `textLimit` are not rendered: no message shows them, and the whole record of a
    /// long incident took seconds to render on the threads every command shares. What is
    /// rendered is then still longer than the limit, so it is cut with the marker.
    static func fullText(_ message: Message, people: [PersonID: Contact], rooms: [String: String] = [:]) -> String {
        var lines: [String] = []
        var total = 0
        for line in message.lines {
            // `total` counts a line end after each line: past `textLimit + 1`, what is
            // rendered is longer than the limit, and the cut's marker shows.
            guard total <= textLimit + 1 else { break }
            let render = { (spans: ArraySlice<Span>) in
                spans.indices.map { index in
                    // A block stands on lines of its own, its fences too, whatever shares its line.
                    guard case .block = spans[index] else { return span(spans[index], people: people, rooms: rooms) }
                    return (index > spans.startIndex ? "\n" : "") + span(spans[index], people: people, rooms: rooms)
                        + (index < spans.endIndex - 1 ? "\n" : "")
                }.joined()
            }
            var text = render(line[...])
            if case .userText = line.first {
                text = quoteMark + text
            } else if TextUnit.utf16.count(text) > sectionLimit, let typed = line.firstIndex(where: { if case .userText = $0 { true } else { false } }) {
                text = render(line[..<typed]) + "\n" + quoteMark + render(line[typed...])
            }
            lines.append(text)
            total += TextUnit.utf16.count(text) + 1
        }
        return lines.joined(separator: "\n")
    }

    /// What starts a quoted line in mrkdwn.
    static let quoteMark = "> "

    /// `rooms`: channel ids by the names a message shows, linked as `<#C…>` (Slack shows the
    /// channel's name, and opens it on a tap); a room with none, or with an id that is not
    /// Slack's letters and digits, is its name as text.
    static func span(_ span: Span, people: [PersonID: Contact], rooms: [String: String] = [:]) -> String {
        switch span {
        case .text(let text): escape(text)
        case .strong(let text): strong(text)
        case .userText(let text): escape(BroadcastMentions.neutralize(text)).replacingOccurrences(of: "\n", with: "\n" + quoteMark)
        case .mention(let person):
            if let account = people[person]?.account { "<@\(account)>" } else { escape(people[person]?.handle ?? person.handle) }
        case .room(let name):
            if let id = rooms[name], isChannelID(id) { "<#\(id)>" } else { "#" + escape(name) }
        case .code(let text): "`" + escape(text).escaping(["`": "'"]) + "`"
        case .command(let command): "`/" + escape(command).escaping(["`": "'"]) + "`"
        case .block(let text): fence + "\n" + unfenced(escape(BroadcastMentions.neutralize(text))) + "\n" + fence
        case .link(let url, let label):
            url.hasPrefix("https://") || url.hasPrefix("http://")
                ? "<\(escape(url).escaping(["|": "%7C"]))|\(escape(label).escaping(["|": "/"]))>"
                : escape(label == url ? url : "\(label) (\(url))")
        }
    }

    /// What opens and closes a block in mrkdwn, on a line of its own.
    static let fence = "```"

    /// Text for inside a block: a zero-width space after every second backtick in a row, so a
    /// typed ```` ``` ```` shows as typed and cannot close the block (mrkdwn has no escape for
    /// it); the rest is unchanged.
    static func unfenced(_ text: String) -> String {
        guard text.contains("``") else { return text }
        var result = String.UnicodeScalarView()
        var run = 0
        for scalar in text.unicodeScalars {
            if scalar == "`" {
                if run == 2 { result.append("\u{200B}"); run = 0 }
                run += 1
            } else {
                run = 0
            }
            result.append(scalar)
        }
        return String(result)
    }

    /// Whether `id` can be a Slack channel id (`C0123ABCD`): ASCII letters and digits only, so
    /// one from an API answer cannot break out of `<#…>`.
    static func isChannelID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 32 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }

    /// Bold, with the text's own leading and trailing spaces outside the asterisks (Slack does
    /// not close `*bold *` with a space before the asterisk).
    static func strong(_ text: String) -> String {
        let core = text.trimmingCharacters(in: .whitespaces)
        guard !core.isEmpty else { return text }
        let leading = text.prefix { $0 == " " }
        let trailing = String(text.reversed().prefix { $0 == " " })
        return leading + "*" + escape(core) + "*" + trailing
    }

    /// Slack's three control characters. Escaped, `<!channel>`, `<@U…>` and `<url|label>` in
    /// typed text show as typed and do nothing.
    public static func escape(_ text: String) -> String { text.escaping(entities) }

    static let entities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;"]

    /// Block Kit: the text in section blocks (split at line ends, and a line longer than a
    /// section across several, all within Slack's limits), then an actions block with the
    /// message's buttons, whose value names the incident. Past Slack's 50 blocks, or past the
    /// text all blocks may hold together, the last section ends with a marker saying the
    /// message was cut.
    public static func blocks(_ message: Message, people: [PersonID: Contact], rooms: [String: String] = [:], incident: Int?) -> [JSONValue] {
        let room = blockLimit - (message.actions.isEmpty ? 0 : 1)
        let sections = cut(sections(fullText(message, people: people, rooms: rooms)), room: room)
        var blocks = sections.map(section)
        let buttons: [JSONValue] = message.actions.map { action in
            var button: [String: JSONValue] = [
                "type": "button",
                "action_id": .string(actionID(action)),
                "text": ["type": "plain_text", "text": .string(action == .acknowledge ? "Acknowledge" : "Post update")],
            ]
            if action == .acknowledge { button["style"] = "primary" }
            if let incident { button["value"] = .string(IncidentRef.number(incident).description) }
            return .object(button)
        }
        if !buttons.isEmpty { blocks.append(["type": "actions", "elements": .array(buttons)]) }
        return blocks
    }

    static func section(_ text: String) -> JSONValue {
        ["type": "section", "text": ["type": "mrkdwn", "text": .string(text)]]
    }

    static func actionID(_ action: MessageAction) -> String {
        switch action {
        case .acknowledge: acknowledgeAction
        case .postUpdate: postUpdateAction
        }
    }

    /// A channel topic: plain text (Slack shows topics unformatted), at most 250 characters.
    /// Past them whole fields (` | `-separated) are left out from the end: a call link cut
    /// short is another meeting's, and the fields come most needed first. A first field
    /// longer than the limit alone is cut. Angle brackets become their lookalikes: a typed
    /// `status: <!channel>` reached the topic as Slack's markup, which Slack's own "set the
    /// channel topic" line may read, while every message escaped it.
    public static func topic(_ message: Message, people: [PersonID: Contact]) -> String {
        var text = message.plainText { people[$0]?.handle ?? $0.handle }.escaping(["\n": " · ", "<": "‹", ">": "›"])
        while TextUnit.utf16.count(text) > topicLimit, let last = text.range(of: " | ", options: .backwards) {
            text = String(text[..<last.lowerBound])
        }
        return text.clipped(to: topicLimit, in: .utf16)
    }
}
