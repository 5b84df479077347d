import IncidentWire

/// A message's mrkdwn in Block Kit sections: within Slack's limits, and never cut inside an
/// entity (`&amp;`) or a tag (`<@U0123|bob>`), which Slack would show as a stray `&amp` or as
/// the tag's text.
extension SlackFormat {
    /// How far back a cut moves to keep an entity or a tag whole; a longer tag (a very long
    /// link) is cut where it falls.
    static let wholeTagLimit = 200

    /// The text in sections of at most `sectionLimit`: split at line ends, and a line longer
    /// than a section across several.
    /// Once there are more sections, or more text, than one message takes, the rest is not
    /// read: `cut` keeps no more, and a record of megabytes was split whole on the threads
    /// every command shares.
    static func sections(_ text: String) -> [String] {
        var sections: [String] = []
        var chunk = ""
        var total = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if sections.count > blockLimit || total > blocksTextLimit { return sections }
            let width = TextUnit.utf16.count(line)
            if !chunk.isEmpty, TextUnit.utf16.count(chunk) + width + 1 > sectionLimit {
                sections.append(chunk)
                total += TextUnit.utf16.count(chunk)
                chunk = ""
            }
            if width > sectionLimit {
                let pieces = longLine(String(line))
                total += pieces.dropLast().reduce(0) { $0 + TextUnit.utf16.count($1) }
                sections += pieces.dropLast()
                chunk = pieces.last ?? ""
            } else {
                chunk += (chunk.isEmpty ? "" : "\n") + line
            }
        }
        if !chunk.isEmpty { sections.append(chunk) }
        return sections
    }

    /// At most `room` sections holding at most `blocksTextLimit` together: the sections that
    /// fit, then the first that does not, cut to what is left, with the marker. Only the total
    /// and the last section keep space for the marker: every section once did, and a message
    /// whose lines ran to full sections was cut after its first 3,000 characters.
    static func cut(_ sections: [String], room: Int) -> [String] {
        let widths = sections.map { TextUnit.utf16.count($0) }
        guard sections.count > room || widths.reduce(0, +) > blocksTextLimit else { return sections }
        let marker = TextUnit.utf16.count(cutMarker)
        var kept: [String] = []
        var total = 0
        for (section, width) in zip(sections, widths) {
            let left = blocksTextLimit - marker - total
            guard kept.count < room - 1, width <= left else {
                let clipped = section.clipped(to: max(min(sectionLimit - marker, left), 0), in: .utf16, marker: "")
                kept.append(String(clipped[..<(openTail(clipped) ?? clipped.endIndex)]) + cutMarker)
                break
            }
            kept.append(section)
            total += width
        }
        return kept
    }

    /// A line longer than a section in pieces that fit, an entity or a tag the cut would
    /// split moved whole to the next piece. A quoted line (typed text) is quoted in every
    /// piece: a piece starts a section, where unquoted typed text could pass for the bot's.
    static func longLine(_ line: String) -> [String] {
        let quote = line.hasPrefix(quoteMark) ? quoteMark : ""
        // No more pieces than a message has sections: past them `sections` stops reading.
        var pieces = line.pieces(of: sectionLimit - wholeTagLimit - quote.utf16.count, in: .utf16, atMost: blockLimit + 1)
        for index in pieces.indices.dropLast() {
            guard let tail = openTail(pieces[index]), tail > pieces[index].startIndex else { continue }
            pieces[index + 1] = String(pieces[index][tail...]) + pieces[index + 1]
            pieces[index] = String(pieces[index][..<tail])
        }
        return pieces.enumerated().map { $0.offset == 0 ? $0.element : quote + $0.element }
    }

    /// Where an entity or a tag that `text` opens and does not close starts, if it is at most
    /// `wholeTagLimit` long.
    static func openTail(_ text: String) -> String.Index? {
        let entity = text.lastIndex(of: "&").flatMap { text[$0...].contains(";") ? nil : $0 }
        let tag = text.lastIndex(of: "<").flatMap { text[$0...].contains(">") ? nil : $0 }
        guard let start = [entity, tag].compactMap({ $0 }).min(), TextUnit.utf16.count(text[start...]) <= wholeTagLimit else { return nil }
        return start
    }
}
