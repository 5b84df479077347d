extension String {
    /// The text with each code point that `table` names replaced by its entity (`&` -> `&amp;`);
    /// the text itself when it has none of them. By code point, not by character: a character
    /// may join what comes before or after it into one (U+0600 joins the `<` after it, a
    /// combining mark the `>` before it), and a `<` compared as part of such a character was
    /// left as it was, so typed `<!channel>` reached Slack as markup.
    public func escaping(_ table: [Unicode.Scalar: String]) -> String {
        guard unicodeScalars.contains(where: { table[$0] != nil }) else { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if let entity = table[scalar] {
                for replacement in entity.unicodeScalars { out.append(replacement) }
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
