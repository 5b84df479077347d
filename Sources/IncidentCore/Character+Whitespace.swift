extension Character {
    /// `isWhitespace`, with ASCII answered without Unicode's property tables: tab, line feed,
    /// vertical tab, form feed, carriage return (CR LF too) and space, as the tables say. A
    /// command line is read character by character, and the tables' look-up for each was the
    /// largest single cost of parsing one.
    @inlinable public var isWhitespaceFast: Bool {
        if let ascii = asciiValue { return ascii == 0x20 || (0x09...0x0D).contains(ascii) }
        return isWhitespace
    }

    /// What may come before a command's `/` or `!` and leave it a command: white space, and the
    /// invisible zero-width space, word joiner and byte-order mark that come with pasted text.
    /// `!ack` pasted after a zero-width space was no command at all, and nothing answered it.
    /// Only before the command: inside a word they are dropped as the word is read, not taken
    /// for spaces (`--pri`, zero-width space, `vate` is `--private`).
    @inlinable public var isBlankBeforeCommand: Bool {
        if isWhitespaceFast { return true }
        guard unicodeScalars.count == 1, let scalar = unicodeScalars.first else { return false }
        return scalar.value == 0x200B || scalar.value == 0x2060 || scalar.value == 0xFEFF
    }
}

extension StringProtocol {
    /// Whether the text reads as a command: its first character past the blanks
    /// (`isBlankBeforeCommand`) is `/` or `!`. One test for the parser and every door.
    @inlinable public var startsAsCommand: Bool {
        first { !$0.isBlankBeforeCommand }.map { $0 == "/" || $0 == "!" } ?? false
    }
}
