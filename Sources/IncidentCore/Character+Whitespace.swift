extension Character {
    /// `isWhitespace`, with ASCII answered without Unicode's property tables: tab, line feed,
    /// vertical tab, form feed, carriage return (CR LF too) and space, as the tables say. A
    /// command line is read character by character, and the tables' look-up for each was the
    /// largest single cost of parsing one.
    @inlinable public var isWhitespaceFast: Bool {
        if let ascii = asciiValue { return ascii == 0x20 || (0x09...0x0D).contains(ascii) }
        return isWhitespace
    }
}
