extension Character {
    /// What a command line reads as space: `isWhitespace`, with ASCII answered without
    /// Unicode's property tables (tab, line feed, vertical tab, form feed, carriage return, CR
    /// LF too, and space, as the tables say), and the invisible zero-width space, word joiner
    /// and byte-order mark besides. A command line is read character by character, and the
    /// tables' look-up for each was the largest single cost of parsing one. The invisible ones
    /// come with pasted text: `!ack` pasted after a zero-width space was no command at all,
    /// and nothing answered it.
    @inlinable public var isWhitespaceFast: Bool {
        if let ascii = asciiValue { return ascii == 0x20 || (0x09...0x0D).contains(ascii) }
        if isWhitespace { return true }
        guard unicodeScalars.count == 1, let scalar = unicodeScalars.first else { return false }
        return scalar.value == 0x200B || scalar.value == 0x2060 || scalar.value == 0xFEFF
    }
}
