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
    /// A block (between `fence` lines) split across sections is closed at each section's end
    /// and opened again at the next one's start: each section is rendered on its own, and an
    /// unclosed fence shows as backticks with the rest as mrkdwn.
    static func sections(_ text: String) -> [String] {
        var sections: [String] = []
        var chunk = ""
        var total = 0
        var fenced = false
        /// A fence and its line end: what a section inside a block takes to close it.
        let fenceWidth = fence.utf16.count + 1
        func close() {
            var section = chunk
            if fenced {
                // A block whose opening fence is the chunk's last line opens in the next section.
                if section == fence || section.hasSuffix("\n" + fence) {
                    section = String(section.unicodeScalars.dropLast(min(fenceWidth, section.unicodeScalars.count)))
                } else {
                    section += "\n" + fence
                }
            }
            if !section.isEmpty {
                sections.append(section)
                total += TextUnit.utf16.count(section)
            }
            chunk = fenced ? fence : ""
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if sections.count > blockLimit || total > blocksTextLimit { return sections }
            let width = TextUnit.utf16.count(line)
            // Within a block, room is kept for the fence that closes it.
            let closing = fenced && line != fence ? fenceWidth : 0
            if !chunk.isEmpty, TextUnit.utf16.count(chunk) + width + 1 + closing > sectionLimit { close() }
            if width + (fenced ? 2 * fenceWidth : 0) > sectionLimit {
                // Within a block, each piece is a block of its own (the chunk, just closed,
                // holds only the fence that opens the next), the last left open for the lines
                // after it.
                let pieces = longLine(String(line), reserving: fenced ? 2 * fenceWidth : 0).map { fenced ? fence + "\n" + $0 : $0 }
                for piece in pieces.dropLast() {
                    let section = fenced ? piece + "\n" + fence : piece
                    sections.append(section)
                    total += TextUnit.utf16.count(section)
                }
                chunk = pieces.last ?? ""
            } else {
                chunk += (chunk.isEmpty ? "" : "\n") + line
            }
            if line == fence { fenced.toggle() }
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
                // Room for a fence, too: a block the cut leaves open is closed before the marker.
                let clipped = section.clipped(to: max(min(sectionLimit - marker, left) - fence.utf16.count - 1, 0), in: .utf16, marker: "")
                var shown = String(clipped[..<(openTail(clipped) ?? clipped.endIndex)])
                if shown.split(separator: "\n", omittingEmptySubsequences: false).count(where: { $0 == fence }) % 2 == 1 { shown += "\n" + fence }
                kept.append(shown + cutMarker)
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
    /// `reserving`: what each piece leaves of a section for what goes around it (a block's
    /// fences).
    static func longLine(_ line: String, reserving: Int = 0) -> [String] {
        let quote = line.hasPrefix(quoteMark) ? quoteMark : ""
        // No more pieces than a message has sections: past them `sections` stops reading.
        var pieces = line.pieces(of: sectionLimit - wholeTagLimit - quote.utf16.count - reserving, in: .utf16, atMost: blockLimit + 1)
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
