import IncidentCore

/// Reads a person mention in any of the forms platforms send.
public enum Mention {
    /// `<@U0123ABC|alice>`, `<@U0123ABC>`, `@alice:example.org`, `https://matrix.to/#/@alice:example.org`,
    /// `@alice`, or a bare roster key `alice`. Trailing `,.;!?` is ignored.
    /// Read as it is seen, as an option is: `@b`(zero-width space)`ob` is `@bob`.
    public static func person(_ token: String) -> PersonRef? {
        var text = Substring(FreeText.visible(token))
        while let last = text.last, ",.;!?".contains(last) { text.removeLast() }
        if text.hasPrefix("<@"), text.hasSuffix(">") {
            let inner = text.dropFirst(2).dropLast()
            let parts = inner.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            let id = String(parts[0])
            guard !id.isEmpty, id.count <= 32, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
            let label = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
            return .slack(userID: id, label: label)
        }
        for prefix in ["https://matrix.to/#/", "matrix.to/#/"] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        if text.hasPrefix("@"), text.contains(":") {
            return MatrixName.isUserID(text) ? .matrix(userID: String(text)) : nil
        }
        let handle = text.hasPrefix("@") ? text.dropFirst() : text
        guard let first = handle.first, first.isLetter || first.isNumber, handle.count <= 64,
              handle.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) })
        else { return nil }
        return .handle(String(handle))
    }
}
