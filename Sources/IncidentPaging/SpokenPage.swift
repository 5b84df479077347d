import IncidentCore

/// What a phone call reads of a message. A listener cannot type a command, open a link or
/// search for a room by its slug: the command lines are left out (a keypress answers), and so
/// is each part of a line (the parts are set apart by " · ") that names a room or shows a
/// link by its address, which the page's text, mail and chat carry. A call read
/// "room incident 20261124 payment api errors" and a meeting URL letter by letter.
extension Message {
    /// The lines to read, each ending in a stop, with the parts of a line joined by commas;
    /// only letters and ASCII are read (no emoji), and a line left with nothing is left out.
    var spokenLines: [String] {
        withoutCommandLines.lines.compactMap { line in
            let parts = Self.parts(of: line).filter { !$0.contains(where: \.pointsElsewhere) }
            let text = parts.map { part in
                part.map(\.spokenText).joined().unicodeScalars.filter { $0.isASCII || $0.properties.isAlphabetic }
                    .map(Character.init).reduce(into: "") { $0.append($1) }.trimmingWhitespace()
            }.filter { !$0.isEmpty }.joined(separator: ", ")
            guard let last = text.last else { return nil }
            return ".!?:".contains(last) ? text : text + "."
        }
    }

    /// A line cut where the bot's own text sets its parts apart with " · ". A person's text
    /// is never cut: a status typed with a " · " is one part.
    private static func parts(of line: [Span]) -> [[Span]] {
        var parts: [[Span]] = [[]]
        for span in line {
            guard case .text(let text) = span, text.contains(Self.separator) else {
                parts[parts.count - 1].append(span)
                continue
            }
            for (index, piece) in text.split(separator: Self.separator, omittingEmptySubsequences: false).enumerated() {
                if index > 0 { parts.append([]) }
                if !piece.isEmpty { parts[parts.count - 1].append(.text(String(piece))) }
            }
        }
        return parts
    }

    private static let separator = " · "
}

private extension Span {
    /// A room's name or a bare address: for a reader, not a listener.
    var pointsElsewhere: Bool {
        switch self {
        case .room: true
        case .link(let url, let label): label == url
        default: false
        }
    }

    /// The words a call says for the span: a link by its label.
    var spokenText: String {
        if case .link(_, let label) = self { return label }
        return plainText(name: { $0.handle })
    }
}
