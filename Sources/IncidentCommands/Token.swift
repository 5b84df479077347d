/// A word of a command line, with where it stood in the original text.
struct Token: Hashable, Sendable {
    /// The word with its surrounding quotes removed.
    var text: String
    /// Offset of the token's first character in the original text, in characters.
    var offset: Int
    /// Where the token starts in the original text (for taking the rest verbatim).
    var start: String.Index
    /// Whether the token was written in quotes.
    var quoted: Bool
    /// A quoted token as it was typed, its quotes included (`"card declined"`); nil otherwise.
    var written: String? = nil

    /// The token as a title keeps it: a phrase quoted in it keeps its quotes (the error as
    /// shown); one word in quotes is quoted to be read as a word (`"[P0]" drill`), not an option.
    var inTitle: String { text.contains(where: \.isWhitespace) ? written ?? text : text }
}

/// Splits a command line into tokens.
///
/// Words are separated by any white space. A quote (`"`, `'`, `“`, `‘`) opens a quoted token
/// only at the start of a word and closes at the matching quote followed by white space or
/// the end; a quote that never closes is an ordinary character, so `can't` and a stray `"`
/// never swallow the rest of the line. Slack's escapes (`<@U0123|name>`, `<#C0123|name>`)
/// are single tokens.
///
/// Runs in time linear in the text: a search for a closing quote that finds none is
/// remembered, so a line of thousands of unclosed quotes is not searched to its end from each
/// of them; a search that finds one is consumed with the quoted token.
enum Tokenizer {
    static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var index = text.startIndex
        var offset = 0
        // Per closing quote: the position from which on the text has no closing quote of it.
        var unclosedFrom: [Character: String.Index] = [:]
        func closing(_ close: Character, after open: String.Index) -> String.Index? {
            if let from = unclosedFrom[close], open >= from { return nil }
            guard let end = quoteEnd(text, after: open, close: close) else {
                unclosedFrom[close] = open
                return nil
            }
            return end
        }
        func advance() {
            index = text.index(after: index)
            offset += 1
        }
        while index < text.endIndex {
            if text[index].isWhitespaceFast {
                advance()
                continue
            }
            let start = index
            let startOffset = offset
            if let close = closingQuote(for: text[index]), let end = closing(close, after: index) {
                let body = String(text[text.index(after: index)..<end])
                while index <= end { advance() }
                tokens.append(Token(text: body, offset: startOffset, start: start, quoted: true, written: String(text[start...end])))
                continue
            }
            while index < text.endIndex, !text[index].isWhitespaceFast { advance() }
            tokens.append(Token(text: String(text[start..<index]), offset: startOffset, start: start, quoted: false))
        }
        return tokens
    }

    static func closingQuote(for character: Character) -> Character? {
        switch character {
        case "\"": "\""
        case "'": "'"
        case "\u{201C}": "\u{201D}"  // “ ”
        case "\u{2018}": "\u{2019}"  // ‘ ’
        default: nil
        }
    }

    /// The index of the quote that closes the one at `open`: the next `close` that is followed by
    /// white space or the end of the text.
    static func quoteEnd(_ text: String, after open: String.Index, close: Character) -> String.Index? {
        var index = text.index(after: open)
        while index < text.endIndex {
            if text[index] == close {
                let next = text.index(after: index)
                if next == text.endIndex || text[next].isWhitespaceFast { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }
}
