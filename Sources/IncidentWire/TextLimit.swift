/// How a platform measures text against its limits: Slack in UTF-16 code units (its
/// "characters", as JavaScript counts them), Matrix in UTF-8 bytes (its 65,536-byte event
/// limit). Neither counts as Swift's `String.count` does: a family emoji is one Character but
/// 11 UTF-16 units and 25 bytes, and a letter under 30,000 combining marks is one Character.
public enum TextUnit: Sendable {
    case utf16
    case utf8

    public func count(_ text: some StringProtocol) -> Int {
        switch self {
        case .utf16: text.utf16.count
        case .utf8: text.utf8.count
        }
    }

    func count(_ character: Character) -> Int {
        switch self {
        case .utf16: character.utf16.count
        case .utf8: character.utf8.count
        }
    }

    func count(_ scalar: Unicode.Scalar) -> Int {
        switch self {
        case .utf16: UTF16.width(scalar)
        case .utf8: UTF8.width(scalar)
        }
    }
}

extension String {
    /// The text if it fits in `limit` units, else its beginning and `marker`, together within
    /// `limit`. Cut between characters, or between code points inside a character too big to
    /// fit whole (a flood of combining marks), so what is left is always valid text.
    public func clipped(to limit: Int, in unit: TextUnit, marker: String = "…") -> String {
        guard unit.count(self) > limit else { return self }
        let budget = Swift.max(0, limit - unit.count(marker))
        return (pieces(of: budget, in: unit, atMost: 1).first ?? "") + marker
    }

    /// The text in consecutive pieces of at most `limit` units each (at least 1), cut as
    /// `clipped` cuts; together they are the whole text, unless `atMost` stops them early:
    /// then the first `atMost`, and the rest of the text is not read (a record of megabytes
    /// clipped to one message's worth was split whole, on the threads every command shares).
    public func pieces(of limit: Int, in unit: TextUnit, atMost: Int = .max) -> [String] {
        let limit = Swift.max(limit, 1)
        var pieces: [String] = []
        var current = ""
        var size = 0
        /// Whether the pieces are all that were asked for.
        func flush() -> Bool {
            if !current.isEmpty { pieces.append(current) }
            current = ""
            size = 0
            return pieces.count >= atMost
        }
        for character in self {
            let width = unit.count(character)
            if size + width <= limit {
                current.append(character)
                size += width
                continue
            }
            if width <= limit {
                if flush() { return pieces }
                current.append(character)
                size = width
                continue
            }
            // One character wider than a whole piece: split it between its code points.
            for scalar in character.unicodeScalars {
                let scalarWidth = unit.count(scalar)
                if size + scalarWidth > limit, flush() { return pieces }
                current.unicodeScalars.append(scalar)
                size += scalarWidth
            }
        }
        _ = flush()
        return pieces
    }
}
