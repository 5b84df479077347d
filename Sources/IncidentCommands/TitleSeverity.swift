import IncidentCore

/// A severity written into a declaration's title the way tickets and chat write one, read as
/// `--sev`: `/incident declare [P0] checkout down` declared a P2 titled "[P0] checkout down",
/// and a P2 declared on a Saturday night pages nobody until Monday.
///
/// As the title's first word (a label in front of it, after any words of marks alone such as
/// `🚨`): `[P0]`, `(SEV1)`, `P1:`, `SEV-1`, `Sev 1`, `P0`, also in chat's marks (`*P0*`), in
/// full-width brackets, or with a phone's punctuation (`P0,`; a separator after it, `P0 -
/// checkout down`, goes too). Anywhere: `sev:P0`, `severity=1`, `sev: P0`, `severity = P0`,
/// and, where the title opens with such a label, a severity's word behind it too (`Sev:
/// critical payments down`: the label says it; in the middle of a title, `alert severity:
/// critical to warning`, the word is only hinted at).
/// Otherwise only the codes count (`P0`, `SEV-1`), not the words `critical` or `low`, which a title uses
/// for other things, nor `S3`, which in a title is more often Amazon's storage. A bare `P3` in
/// front of the title is not read (`p3 instances out of capacity` names Amazon's machines, and
/// read as a severity it would hold the page for working hours), nor is a code past the first
/// word in brackets or alone, a passing mention (`checkout down, not a (P3)`). A first word
/// in brackets or with a colon that has a one-digit code's shape and names no severity
/// (`[P4]`) is refused, not left in the title; `p99 latency` is a title.
public enum TitleSeverity {
    /// A severity the title writes, and the words that write it.
    struct Written {
        var severity: Severity
        var words: [Int]
        var token: Token
    }

    /// Every severity `words` (the title's, in order) write; quoted words write none.
    static func find(in words: [Token]) throws(CommandError) -> [Written] {
        var found: [Written] = []
        var taken = Set<Int>()
        // The title's first word, after any of marks alone (`🚨 P0 checkout down`).
        let lead = words.firstIndex { $0.text.contains { $0.isLetter || $0.isNumber } } ?? 0
        func take(_ severity: Severity, _ indices: [Int]) {
            // A separator after the label goes with it: `P0 - checkout down`.
            var indices = indices
            if indices.first == lead, let next = words[safe: indices.last! + 1], !next.quoted, separators.contains(next.text) {
                indices.append(indices.last! + 1)
            }
            found.append(Written(severity: severity, words: indices, token: words[indices[0]]))
            taken.formUnion(indices)
        }
        if let first = words[safe: lead], !first.quoted {
            let setOff = words[safe: lead + 1].map { !$0.quoted && separators.contains($0.text) } ?? false
            switch label(first.text, setOff: setOff) {
            case .severity(let severity): take(severity, [lead])
            case .notASeverity:
                throw CommandError(.invalidArgument, "“\(first.text.clipped)” is not a severity; use P0, P1, P2 or P3.", position: first.offset)
            case .none:
                if labelWords.contains(first.text.lowercased()), let number = words[safe: lead + 1], !number.quoted,
                   case .severity(let severity) = value(number.text.hasSuffix(":") ? String(number.text.dropLast()) : number.text) {
                    take(severity, [lead, lead + 1])
                }
            }
        }
        for (index, word) in words.enumerated() where !word.quoted && !taken.contains(index) {
            let lowered = word.text.lowercased()
            // A severity's word behind the label only where the title opens with it: in its
            // middle, `Lower alert severity: critical to warning` is about an alert's setting,
            // and read, it paged the VP at once.
            let read = index == lead ? labelledValue : value
            if let glued = afterLabel(lowered) {
                if case .severity(let severity) = read(glued) { take(severity, [index]) }
            } else if ["sev:", "severity:"].contains(lowered), let next = words[safe: index + 1], !next.quoted,
                      case .severity(let severity) = read(next.text) {
                take(severity, [index, index + 1])
            } else if labelWords.contains(lowered), let sign = words[safe: index + 1], ["=", ":"].contains(sign.text),
                      let next = words[safe: index + 2], !next.quoted, case .severity(let severity) = read(next.text) {
                take(severity, [index, index + 1, index + 2])
            }
        }
        return found
    }

    enum Reading: Equatable {
        case severity(Severity)
        case notASeverity
        case none
    }

    /// A first word as a label: `[P0]`, `(SEV1)`, `P1:`, `SEV-1`, and `P0` when `setOff` (a
    /// separator follows it). Only a word marked as a label (brackets, a colon) is refused
    /// when its code names no severity.
    static func label(_ word: String, setOff: Bool) -> Reading {
        // Chat's marks around it (`*P0*`, `` `P0` ``), full-width brackets, and a phone's
        // punctuation glued to it (`P0,`, `P0-`), which sets it off as a separator does.
        var text = Substring(word.map { fullWidth[$0] ?? $0 }).trimming(while: "*_`~".contains)
        var setOff = setOff
        if text.count > 2, let last = text.last, ",.!-–—".contains(last) {
            text = text.dropLast()
            setOff = true
        }
        let labelled: Bool
        if let open = text.first, let close = text.last, text.count > 2, (open == "[" && close == "]") || (open == "(" && close == ")") {
            text = text.dropFirst().dropLast()
            labelled = true
        } else if text.hasSuffix(":") {
            text = text.dropLast()
            labelled = true
        } else {
            labelled = false
        }
        let reading = code(text)
        // Bare in front of the title, a code that raises or keeps the default is read (`P0
        // checkout down`); `P3` only as a label: `p3 instances` are Amazon's machines.
        let bareRaises = if case .severity(let severity) = reading { severity != .p3 } else { false }
        guard labelled || setOff || text.lowercased().hasPrefix("sev") || bareRaises else { return .none }
        return reading == .notASeverity && !labelled ? .none : reading
    }

    /// Full-width brackets and colon, as a CJK keyboard types them.
    static let fullWidth: [Character: Character] = ["［": "[", "］": "]", "（": "(", "）": ")", "：": ":"]

    /// `P0`, `SEV1`, `sev-2`: a severity's code; `P4` or `SEV9` has a code's shape and names
    /// none. More digits (`p99`, a percentile) are no code at all.
    static func code(_ text: Substring) -> Reading {
        let lowered = text.lowercased()
        guard let prefix = ["sev", "p"].first(where: lowered.hasPrefix) else { return .none }
        var digits = lowered.dropFirst(prefix.count)
        if digits.first == "-" || digits.first == "_" { digits = digits.dropFirst() }
        guard digits.count == 1, let digit = digits.first, digit.isASCII, digit.isNumber else { return .none }
        return Severity(parsing: lowered).map(Reading.severity) ?? .notASeverity
    }

    /// The most severe severity a title mentions, read or not: the declaration's answer says so
    /// when it is worse than the severity declared. A code anywhere (`checkout down (P0)`,
    /// `… SEV1`); a severity's word or an `S` code behind a `sev` label (`sev: critical`) or
    /// written as a label (`[critical]`, `(S1)` anywhere, `CRITICAL:` or `S1` as the first word),
    /// as tickets and alerts write them. Declared at 03:00 on a Saturday, `CRITICAL: payments
    /// down` was a P2 whose page waited for Monday, and the answer gave no hint. Never `S3`
    /// (Amazon's storage), nor a word in passing (`critical path slow`).
    public static func mostSevereMentioned(in title: String) -> Severity? {
        let words = title.split(whereSeparator: \.isWhitespaceFast).map { Substring($0.map { fullWidth[$0] ?? $0 }) }
        let lead = words.firstIndex { $0.contains { $0.isLetter || $0.isNumber } }
        let mentioned = words.indices.compactMap { index -> Severity? in
            let word = words[index]
            let bare = word.trimming { !$0.isLetter && !$0.isNumber }
            if case .severity(let severity) = code(bare) { return severity }
            // A label in brackets or chat's marks is the label: `(sev: critical)`, `*sev:*`.
            let label = Substring(word.lowercased()).trimming { "[(*_`".contains($0) }
            if let glued = afterLabel(bare.lowercased()), case .severity(let severity) = labelledValue(glued) { return severity }
            if ["sev:", "severity:"].contains(label), let next = words[safe: index + 1],
               case .severity(let severity) = labelledValue(String(next.trimming { !$0.isLetter && !$0.isNumber })) { return severity }
            let bracketed = word.count > 2 && ((word.first == "[" && word.last == "]") || (word.first == "(" && word.last == ")"))
            // First: with a colon, in chat's marks (`*critical*`), set off by a separator
            // (`Critical - db down`), or an `S` code.
            let setOff = words[safe: index + 1].map { separators.contains(String($0)) } ?? false
            let marked = word.count > 2 && "*_`".contains(word.first!) && word.first == word.last
            let leading = index == lead && (word.hasSuffix(":") || marked || setOff || bare.lowercased().first == "s")
            guard bracketed || leading else { return nil }
            return wordOrSCode(bare)
        }
        return mentioned.min { $0.isMoreSevere(than: $1) }
    }

    /// A severity's word (`critical`, `high`, …) or `S0` to `S2`, as `/sev` reads them; not `S3`.
    static func wordOrSCode(_ text: Substring) -> Severity? {
        let lowered = text.lowercased()
        if let severity = Severity.byWord[lowered] { return severity }
        let isSCode = lowered.count == 2 && lowered.first == "s" && "012".contains(lowered.last!)
        return isSCode ? Severity(parsing: lowered) : nil
    }

    /// What follows a `sev:` or `severity=` label: besides a code or a number, a severity's
    /// word or an `S` code, which the label makes a severity (`Sev: critical`, `severity=high`).
    static func labelledValue(_ text: String) -> Reading {
        let reading = value(text)
        // A phone's punctuation after the word (`Sev: critical, payments down`).
        guard reading == .none, let severity = wordOrSCode(text[...].trimming { ",.!;".contains($0) }) else { return reading }
        return .severity(severity)
    }

    /// The words that label a severity, alone (`sev 1`, `severity = P0`) or glued to it.
    static let labelWords: Set<String> = ["sev", "severity"]

    /// What follows a label glued to it, in a lowercased word (`sev:p0` → `p0`, `severity=1` →
    /// `1`); nil when the word is no such label or nothing follows it.
    static func afterLabel(_ lowered: String) -> String? {
        for label in labelWords {
            for sign in [":", "="] where lowered.hasPrefix(label + sign) && lowered.count > label.count + 1 {
                return String(lowered.dropFirst(label.count + 1))
            }
        }
        return nil
    }

    /// A severity `/sev` is given as a title writes it: `[P0]`, `(SEV1)`, `P1:`, or its
    /// number alone (`1`).
    static func written(_ text: String) -> Severity? {
        if case .severity(let severity) = label(text, setOff: true) { return severity }
        if case .severity(let severity) = value(text) { return severity }
        return nil
    }

    /// What follows a `sev` label: a code, or the bare number (`sev:1`).
    static func value(_ text: String) -> Reading {
        if text.count == 1, let digit = text.first, digit.isASCII, digit.isNumber { return code("p" + text[...]) }
        return code(text[...])
    }

    /// Words that set a label off from the title: `P0 - checkout down`, `SEV1 | search`.
    static let separators: Set<String> = ["-", "–", "—", ":", "|", "·", "/"]
}

fileprivate extension Substring {
    /// Without the characters at either end that `drop` says to drop.
    func trimming(while drop: (Character) -> Bool) -> Substring {
        var start = startIndex
        var end = endIndex
        while start < end, drop(self[start]) { start = index(after: start) }
        while end > start, drop(self[index(before: end)]) { end = index(before: end) }
        return self[start..<end]
    }
}

fileprivate extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
