/// Privacy written into a declaration's title the way tickets write a label: `[private]` or
/// `(private)` anywhere, `private:` as the first word. Read as `--private`: taken as title
/// words, `[private] PII exposed` was announced to the broadcast channel. A plain `private`
/// among the words (`private API down`) stays a word.
///
/// Anywhere means inside a word too, and in the brackets phones and input methods type: a
/// label stacked on another (`[P1][private]`, `[SEC][private]`), run into a word
/// (`leak(private)`, `🚨[private]`), in full-width or lenticular brackets (`（private）`,
/// `【private】`) or spaced (`[ private ]`) was read as title words, and the incident was
/// declared public, its title announced.
enum TitlePrivacy {
    /// Takes the labels out of the unquoted words of `words` (the title's, in order): a word
    /// that is a label alone goes, one that holds one keeps the rest (`[P1]` of
    /// `[P1][private]`, read as the severity next). True when there was one.
    static func take(from words: inout [Token]) -> Bool {
        var isPrivate = false
        if let first = words.first, !first.quoted, first.text.lowercased() == "private:" {
            words.removeFirst()
            isPrivate = true
        }
        var index = 0
        while index < words.count {
            defer { index += 1 }
            guard !words[index].quoted else { continue }
            // `[ private ]`: the label spaced over three words.
            if index + 2 < words.count, !words[index + 1].quoted, !words[index + 2].quoted,
               let open = bracketed(words[index].text), words[index + 1].text.lowercased() == "private",
               let close = bracketed(DashedOption.withoutTrailingMarks(words[index + 2].text)),
               pairs[open] == close {
                words.removeSubrange(index...(index + 2))
                isPrivate = true
                index -= 1
                continue
            }
            guard let rest = withoutLabels(words[index].text) else { continue }
            isPrivate = true
            if rest.isEmpty {
                words.remove(at: index)
                index -= 1
            } else {
                words[index].text = rest
            }
        }
        return isPrivate
    }

    /// `word` without the labels in it and the marks left at its ends, nil when it holds none;
    /// empty when nothing but marks is left (`[private].`, `*[private]*`).
    static func withoutLabels(_ word: String) -> String? {
        // Most words hold no "private" at all: found by their bytes, before anything is built.
        guard mentionsPrivate(word) else { return nil }
        // Compared character by character, brackets read as ASCII and letters lowercased, so
        // the offsets found are the word's own.
        let characters = Array(word)
        let read = characters.map { character -> Character in
            if let ascii = asciiBrackets[character] { return ascii }
            return Character(String(character).lowercased().count == 1 ? String(character).lowercased() : String(character))
        }
        var kept: [Character] = []
        var found = false
        var index = 0
        while index < read.count {
            if let label = labels.first(where: { index + $0.count <= read.count && Array(read[index..<(index + $0.count)]) == $0 }) {
                found = true
                index += label.count
            } else {
                kept.append(characters[index])
                index += 1
            }
        }
        guard found else { return nil }
        // Marks left at either end said nothing but the label's place (`[private]/[sec]`).
        let start = kept.firstIndex { !markLeft.contains($0) } ?? kept.endIndex
        let end = kept.lastIndex { !markLeft.contains($0) }.map { $0 + 1 } ?? start
        return start < end ? String(kept[start..<end]) : ""
    }

    static let labels: [[Character]] = [Array("[private]"), Array("(private)")]
    /// The brackets read as `[` `]` and `(` `)`: full-width ones and the lenticular ones of
    /// Chinese and Japanese input.
    static let asciiBrackets: [Character: Character] = ["（": "(", "）": ")", "［": "[", "］": "]", "【": "[", "】": "]"]
    static let pairs: [Character: Character] = ["[": "]", "(": ")"]
    /// What is left of a word once its label is taken that says nothing: emphasis, a slash,
    /// a sentence's end.
    static let markLeft: Set<Character> = ["*", "_", "~", "/", "|", "-", ".", ",", ";", ":", "!", "?", "…"]

    /// Whether `word` holds the letters `private`, in any case (ASCII, as the label is).
    static func mentionsPrivate(_ word: String) -> Bool {
        // One pass: no letter of "private" but its first is a `p`, so a mismatch starts over
        // at this byte.
        var matched = 0
        for byte in word.utf8 {
            let lowered = byte | 0x20
            if lowered == privateLetters[matched] {
                matched += 1
                if matched == privateLetters.count { return true }
            } else {
                matched = lowered == privateLetters[0] ? 1 : 0
            }
        }
        return false
    }

    static let privateLetters = Array("private".utf8)

    /// The bracket `text` is, read as ASCII; nil when it is anything else.
    static func bracketed(_ text: String) -> Character? {
        guard text.count == 1, let character = text.first else { return nil }
        let ascii = asciiBrackets[character] ?? character
        return "[]()".contains(ascii) ? ascii : nil
    }
}
