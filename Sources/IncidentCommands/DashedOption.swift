/// An option as people type it: `--sev`, and also `—sev` or `–sev` (a phone's or a Mac's smart
/// punctuation makes an em or en dash of `--`), `−sev`, or `-sev`. Read as anything but the
/// option, `checkout down —sev P0` declared a P2 titled "checkout down —sev P0", which pages
/// nobody at night. A dash before a word that is no option is left as it was typed.
enum DashedOption {
    /// `text` as `--name[=value]` when it is a dashed option; nil when it is not one.
    /// `known`: the option names (lowercase) a typographic dash may stand before; two ASCII
    /// hyphens mark an option whatever follows, so an unknown one is refused by name. A
    /// single ASCII hyphen marks only the options that take a value or name a list, and
    /// `private` (`singleHyphen`): a title may say `-force push`, but `PII exposed -private`
    /// read as a title would announce it to the broadcast channel, so a title that says
    /// `-private repos` is made private instead, the side to err on.
    static func spelled(_ text: String, known: Set<String>) -> String? {
        if text.hasPrefix("--") { return text.count > 2 ? text : nil }
        guard let first = text.first, dashes.contains(first) else { return nil }
        let rest = text.dropFirst().drop { dashes.contains($0) }
        let name = rest.prefix { $0 != "=" }.lowercased()
        let loneHyphen = first == "-" && rest.count == text.count - 1
        guard known.contains(name), !loneHyphen || singleHyphen.contains(name) else { return nil }
        return "--" + rest
    }

    static let singleHyphen: Set<String> = ["sev", "severity", "mine", "overdue", "private"]

    /// Hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal
    /// bar, minus sign.
    static let dashes: Set<Character> = ["-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}"]
}
