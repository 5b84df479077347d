/// Whether a text is a link a chat message can carry as it is: an `http` or `https` address
/// with a host, and nothing chat markup could read as the end of a link or a mention (no
/// white space, `<`, `>`, `|`, `"`, backslash, backtick or control characters, and, unless
/// allowed, no `@room`, `@channel`, `@here` or `@everyone`: a link is posted as written, so one
/// of those in it could ping a whole room). Call links (`CallLink`) and runbook links.
public enum ChatLink {
    /// `allowingMentions`, `allowingFormat`: for a link stored before mentions, or format
    /// characters, were refused in links, which must read back as it was written (an incident
    /// that cannot be read back is set aside, and its pages with it).
    public static func isSafe(_ text: String, maxLength: Int, allowingMentions: Bool = false, allowingFormat: Bool = false) -> Bool {
        if !allowingMentions, BroadcastMentions.neutralize(text) != text { return false }
        let lower = text.lowercased()
        guard text.count <= maxLength, lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return false }
        let rest = text.drop { $0 != "/" }.dropFirst(2)
        guard let host = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first,
              !host.isEmpty, !host.hasPrefix("@"), !host.hasPrefix(":")
        else { return false }
        let refused: Set<Unicode.Scalar> = ["<", ">", "|", "\"", "\\", "`"]
        // Nor a format character: a right-to-left override showed `https://evil.example/moc.elpmaxe`
        // as a link to example.com, and joiners and soft hyphens hide in a host.
        return !text.unicodeScalars.contains {
            $0.properties.isWhitespace || refused.contains($0) || $0.value < 0x20 || $0.value == 0x7F
                || !allowingFormat && $0.properties.generalCategory == .format
        }
    }

    /// What a refused link should have been, for a config's refusal.
    public static var expected: String {
        "an http or https link with no spaces, invisible characters or <>|\"\\`, and no @channel, @here, @room or @everyone"
    }
}
