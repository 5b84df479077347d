import IncidentCore

/// A severity written into a declaration's title the way tickets and chat write one: `[P0]`,
/// `(SEV1)`, `P1:` as the first word, `sev:P0` or `severity=P1` anywhere. Read as `--sev`:
/// `/incident declare [P0] checkout down` declared a P2 titled "[P0] checkout down", and a P2
/// declared on a Saturday night pages nobody until Monday. Only the codes (`P0`, `SEV-1`)
/// count here, not the words `critical` or `low`, which a title uses for other things;
/// a bare `P0` among the title's words stays a word of the title.
enum TitleSeverity {
    /// The severity `word` writes, when it is one of those forms; `first`: the title's first word.
    static func read(_ word: String, first: Bool) -> Severity? {
        if let open = word.first, let close = word.last, word.count > 2,
           (open == "[" && close == "]") || (open == "(" && close == ")") {
            return code(word.dropFirst().dropLast())
        }
        if first, word.hasSuffix(":") { return code(word.dropLast()) }
        let lowered = word.lowercased()
        for label in ["sev:", "sev=", "severity:", "severity="] where lowered.hasPrefix(label) {
            return code(word.dropFirst(label.count))
        }
        return nil
    }

    /// `P0`, `SEV1`, `sev-2`: a severity's code, not one of its words, nor `S3`, which in a
    /// title is more often Amazon's storage than a severity.
    static func code(_ text: Substring) -> Severity? {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("p") || lowered.hasPrefix("sev") else { return nil }
        return Severity(parsing: lowered)
    }
}
