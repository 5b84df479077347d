/// Privacy written into a declaration's title the way tickets write a label: `[private]` or
/// `(private)` anywhere, `private:` as the first word. Read as `--private`: taken as title
/// words, `[private] PII exposed` was announced to the broadcast channel. A plain `private`
/// among the words (`private API down`) stays a word.
enum TitlePrivacy {
    /// The indices of the unquoted words in `words` (the title's, in order) that mark it private.
    static func marks(in words: [Token]) -> [Int] {
        words.indices.filter { index in
            let word = words[index]
            guard !word.quoted else { return false }
            let lowered = DashedOption.withoutTrailingMarks(word.text.lowercased())
            return ["[private]", "(private)"].contains(lowered) || index == 0 && word.text.lowercased() == "private:"
        }
    }
}
