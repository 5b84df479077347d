import Crypto
import Foundation
import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentWire

/// A page (or a direct message) as a mail: the subject is the message's first line, the body
/// the whole message, why this person is paged, links to the incident's rooms (for someone who
/// has a chat account) and, for a page, the acknowledge link. Plain text in UTF-8, base64-encoded so no line of it can be taken for
/// SMTP's end of data or break a header.
struct PageMail {
    var from: String
    var to: String
    var message: Message
    var page: Page?
    var rooms: [Platform: String]
    /// Whether the person can type the bot's commands in chat (`Contact.typesCommands`).
    var typesCommands = true
    /// What their commands start with where they type them (`Contact.commandPrefix`).
    var commandPrefix = "/"
    /// The acknowledge link and until when it works, for a page when links are set up.
    var ackLink: (url: String, expires: Timestamp)?
    var incident: Int?
    /// With `queuedAt`, what the Message-ID is made of: stable across retries of the same job,
    /// so a mail sent twice shows as one; different for another incident numbered alike (a new
    /// database, a staging bot), whose mail a provider must not drop as a repeat.
    var key: String
    var queuedAt: Timestamp?
    /// The database's own secret (the acknowledge links'), when it has one: the Message-ID is
    /// keyed by it, so two databases' pages queued in the same second still differ.
    var identity: SymmetricKey?
    var date: Timestamp

    var subject: String {
        let first = message.lines.first.map { Message(lines: [$0]).plainText() } ?? "incident-bot"
        let clean = String(first.unicodeScalars.filter { $0.properties.generalCategory != .control }.map(Character.init))
        // Long enough for any heading (a title is at most 150 code points): the encoded words
        // fold it within the header's line limits. It cut a longest title short, unmarked.
        return clean.clipped(to: 400, in: .utf16)
    }

    var body: String {
        // The page's own lines say who is paged as what, and why (as its reader can act on it:
        // `TransportJob.forItsReader`).
        var text = message.plainText(commandPrefix: commandPrefix)
        let acknowledgedByLink = ackLink != nil && incident != nil && page?.asksForAcknowledgement != false
        // The link comes second, after the heading, as a text page's "Reply ACK" does: a phone's
        // notification shows the first line or two of a mail, and the link came after the rest.
        if acknowledgedByLink, let ackLink {
            var lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            lines.insert("Acknowledge: \(ackLink.url)", at: min(1, lines.count))
            text = lines.joined(separator: "\n")
        }
        // Someone with no chat account the bot serves could not open a room's link (Slack asks
        // them to sign in to a workspace they are not in): the page names the room, and the
        // mail links nothing they cannot follow.
        let links = !typesCommands ? [] : rooms.sorted { $0.key.rawValue < $1.key.rawValue }.compactMap { platform, room in
            RoomLinks.url(platform, roomID: room).map { "Incident room on \(platform.rawValue.capitalized): \($0)" }
        }
        if !links.isEmpty { text += "\n\n" + links.joined(separator: "\n") }
        if acknowledgedByLink, let ackLink, let incident {
            text += "\n\nThe acknowledge link above opens a page with a button; it works once, until \(LocalZone.utc.dateTime(ackLink.expires))."
                + (typesCommands ? " Or type \(PageAnswers.typedAcknowledgement(incident, on: rooms.keys, otherwise: commandPrefix))." : "")
        } else if !typesCommands, let incident, page?.asksForAcknowledgement == true {
            text += "\n\n" + PageAnswers.cannotAcknowledge(incident, by: "mail")
        }
        return text + "\n"
    }

    /// `<hash of the job and when it was queued>@<the sender's domain>`, the hash keyed by the
    /// database's secret when there is one.
    var messageID: String {
        "\(SendIdentity.digest(key: key, queuedAt: queuedAt, identity: identity))@\(Self.domain(of: from) ?? "incident-bot")"
    }

    /// The domain of a mail address; nil when it has none.
    static func domain(of address: String) -> String? {
        address.split(separator: "@").last.map(String.init).flatMap { $0.isEmpty || $0 == address ? nil : $0 }
    }

    /// The whole message, headers and body, CRLF line ends.
    var rendered: String {
        var headers = [
            "From: incident-bot <\(from)>",
            "To: <\(to)>",
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
            "X-Auto-Response-Suppress: All",
        ]
        if let incident { headers.append("X-Incident: INC-\(incident)") }
        let encoded = Base64URL.standard(Array(body.utf8))
        var lines: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A header value as ASCII: itself when it is, else an RFC 2047 encoded word.
    /// RFC 2047: non-ASCII text as encoded words of at most 64 characters each (39 bytes of
    /// UTF-8 a word, so `Subject: ` and the first fit in 76), folded onto lines of their own,
    /// cut between characters, or between the code points of a character too long for one
    /// word (stacked combining marks). One word for a long title ran to hundreds of
    /// characters, which mail software may refuse or mangle.
    static func encodedWord(_ text: String) -> String {
        guard !text.allSatisfy(\.isASCII) else { return text }
        let limit = 39
        var words: [String] = []
        var chunk: [UInt8] = []
        func add(_ bytes: [UInt8]) {
            if !chunk.isEmpty, chunk.count + bytes.count > limit {
                words.append("=?UTF-8?B?\(Base64URL.standard(chunk))?=")
                chunk = []
            }
            chunk += bytes
        }
        for character in text {
            let bytes = Array(character.utf8)
            if bytes.count <= limit {
                add(bytes)
            } else {
                for scalar in character.unicodeScalars { add(Array(String(scalar).utf8)) }
            }
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Base64URL.standard(chunk))?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Tue, 24 Nov 2026 10:00:00 +0000`.
    static func rfc5322(_ instant: Timestamp) -> String {
        let civil = CivilTime(instant)
        let day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][civil.weekday - 1]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][civil.month - 1]
        let second = civil.second < 10 ? "0\(civil.second)" : "\(civil.second)"
        return "\(day), \(civil.day) \(month) \(civil.year) \(civil.hourMinute):\(second) +0000"
    }
}
