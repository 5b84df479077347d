import IncidentCore

/// An option as people type it: `--sev`, and also `—sev` or `–sev` (a phone's or a Mac's smart
/// punctuation makes an em or en dash of `--`), `−sev`, or `-sev`. Read as anything but the
/// option, `checkout down —sev P0` declared a P2 titled "checkout down —sev P0", which pages
/// nobody at night. A dash before a word that is no option is left as it was typed.
///
/// A dash may also stand apart from its name (`db down – private`, `-- sev P0`): a phone puts
/// a space after the dash it made. `take(from:known:)` reads those two words as the option.
enum DashedOption {
    /// An option read from the words typed: its text as `--name[=value]`, and where it ends in
    /// the line (a value given with `=` ends there).
    struct Taken {
        var text: String
        var offset: Int
        var end: Int
    }

    /// Takes the next word, or the next two, when they are a dashed option (see `spelled`);
    /// nil, taking nothing, when they are not. A word of dashes alone is read with the word
    /// after it when that word is a known option's name and reads as one where it stands: a
    /// dash with a space is also how titles set words apart (`GitHub – private repos down`,
    /// `Pager - sev labels wrong`). So `private` so written counts only where the title has
    /// ended (`endsTheTitle`: `db down – private`, `db down - private --sev P1`, `… – private
    /// sev:P0`), `sev` only before a severity, `ic` only before a mention; one ASCII hyphen
    /// stands apart only before `private`.
    static func take(from arguments: inout Arguments, known: Set<String>) -> Taken? {
        guard let word = arguments.peek(), !word.quoted else { return nil }
        if let text = spelled(word.text, known: known) {
            arguments.next()
            return Taken(text: text, offset: word.offset, end: word.offset + word.text.count)
        }
        let dash = FreeText.visible(word.text)
        guard !dash.isEmpty, dash.allSatisfy(dashes.contains),
              let name = arguments.peek(after: 1), !name.quoted else { return nil }
        let parts = FreeText.visible(name.text).split(separator: "=", maxSplits: 1)
        var option = parts.first.map { $0.lowercased() } ?? ""
        // `db down – private.`: the full stop is a phone's, not the title's.
        if parts.count == 1, withoutTrailingMarks(option) == "private" { option = "private" }
        let value = parts.count == 2 ? String(parts[1]) : arguments.peek(after: 2)?.text
        guard known.contains(option), dash != "-" || spacedSingleHyphen.contains(option),
              standsApart(option, value: value) else { return nil }
        arguments.next()
        arguments.next()
        return Taken(text: "--" + (option == "private" ? option : name.text), offset: word.offset, end: name.offset + name.text.count)
    }

    /// Whether `word`, after a `private` set apart from its dash, leaves it an option: another
    /// dashed word, a severity label (`sev:P0`, `[P0]`), or a word of marks (`?`, `🔒`), rather
    /// than the title going on (`VPN – private link flapping`). Erring private is safer: a
    /// title read as words is announced.
    static func endsTheTitle(_ word: String) -> Bool {
        if let first = word.first, dashes.contains(first) { return true }
        if !word.contains(where: { $0.isLetter || $0.isNumber }) { return true }
        if TitleSeverity.label(word, setOff: false) != .none { return true }
        let lowered = word.lowercased()
        return TitleSeverity.labelWords.contains(lowered) || TitleSeverity.labelWords.contains { lowered.hasPrefix($0 + ":") || lowered.hasPrefix($0 + "=") }
    }

    /// The options one ASCII hyphen and a space may stand before.
    static let spacedSingleHyphen: Set<String> = ["private"]

    /// Whether `option`, written apart from its dash, reads as the option before `value` (the
    /// word after it, or what follows its `=`).
    static func standsApart(_ option: String, value: String?) -> Bool {
        switch option {
        case "private": value.map(endsTheTitle) ?? true
        case "sev", "severity", "s": value.flatMap(Severity.init(parsing:)) != nil
        case "ic", "commander": value.map { $0.hasPrefix("@") || $0.hasPrefix("<@") } ?? false
        default: true
        }
    }

    /// `text` as `--name[=value]` when it is a dashed option; nil when it is not one.
    /// `known`: the option names (lowercase) a typographic dash may stand before; two ASCII
    /// hyphens mark an option whatever follows, so an unknown one is refused by name. A
    /// single ASCII hyphen marks only the options that take a value or name a list, and
    /// `private` (`singleHyphen`): a title may say `-force push`, but `PII exposed -private`
    /// read as a title would announce it to the broadcast channel, so a title that says
    /// `-private repos` is made private instead, the side to err on.
    static func spelled(_ typed: String, known: Set<String>) -> String? {
        // As it is seen: an invisible character inside it does not make it a title word.
        let text = FreeText.visible(typed)
        // A phone's full stop after the flag (`PII exposed -private.`) is not part of it: read
        // as a title, the incident was announced.
        if known.contains("private"), let first = text.first, dashes.contains(first),
           withoutTrailingMarks(text.drop(while: dashes.contains).lowercased()) == "private" {
            return "--private"
        }
        // Two hyphens before a name: `---` and `-->` in a title are punctuation, not an option
        // (a title with `---` in it was refused as an unknown option).
        if text.hasPrefix("--") { return text.dropFirst(2).first?.isLetter == true ? text : nil }
        guard let first = text.first, dashes.contains(first) else { return nil }
        let rest = text.dropFirst().drop { dashes.contains($0) }
        let name = rest.prefix { $0 != "=" }.lowercased()
        let loneHyphen = first == "-" && rest.count == text.count - 1
        guard known.contains(name), !loneHyphen || singleHyphen.contains(name) else { return nil }
        return "--" + rest
    }

    /// `text` without the punctuation a phone or a hurried hand puts after a word.
    static func withoutTrailingMarks(_ text: String) -> String {
        // Cut at the last character that is no mark (a word's end, found from the back), not
        // by building the word again a character at a time: every word of every title is
        // looked at so.
        guard let last = text.lastIndex(where: { !trailingMarks.contains($0) }) else { return "" }
        return last == text.index(before: text.endIndex) ? text : String(text[...last])
    }

    static let trailingMarks: Set<Character> = [".", ",", ";", ":", "!", "?", "…"]

    static let singleHyphen: Set<String> = ["sev", "severity", "s", "mine", "overdue", "private"]

    /// Hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal
    /// bar, minus sign, two- and three-em dashes, small em dash, small and full-width
    /// hyphen-minus (a CJK keyboard types `－－private`).
    static let dashes: Set<Character> = ["-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}",
                                         "\u{2E3A}", "\u{2E3B}", "\u{FE58}", "\u{FE63}", "\u{FF0D}"]
}
