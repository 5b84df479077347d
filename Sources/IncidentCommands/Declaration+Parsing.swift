import IncidentCore

extension CommandParser {
    /// `<title words> [--sev P1] [--ic @user] [--private]`, options anywhere, `--opt=value` too.
    static let declarationOptions: Set<String> = ["sev", "severity", "s", "ic", "commander", "private"]

    static func parseDeclaration(_ arguments: inout Arguments) throws(CommandError) -> Declaration {
        var titleWords: [Token] = []
        var severity: Severity?
        var commander: PersonRef?
        var isPrivate = false
        while let word = arguments.peek() {
            guard let token = DashedOption.take(from: &arguments, known: declarationOptions) else {
                arguments.next()
                titleWords.append(word)
                continue
            }
            if token.text.lowercased().hasPrefix("--private=") {
                throw CommandError(.invalidArgument, "--private takes no value; write --private alone.", position: token.offset)
            }
            if token.text.lowercased() == "--private" {
                guard !isPrivate else { throw CommandError(.unexpectedArgument, "--private is given twice.", position: token.offset) }
                isPrivate = true
                continue
            }
            let parts = token.text.split(separator: "=", maxSplits: 1)
            let option = parts[0].lowercased()
            // Named before its value is looked for: `--priv` at the end is a misspelling, not an
            // option missing its value.
            guard ["--sev", "--severity", "--s", "--ic", "--commander"].contains(option) else {
                throw CommandError(.invalidArgument, "Unknown option \(option.clipped); use --sev, --ic or --private.",
                                   position: token.offset)
            }
            let value: Token
            if parts.count == 2 {
                value = Token(text: String(parts[1]), offset: token.end - parts[1].count, start: word.start, quoted: false)
            } else if let next = arguments.next() {
                value = next
            } else {
                throw CommandError(.missingArgument, "\(option) needs a value.", position: token.offset)
            }
            switch option {
            case "--sev", "--severity", "--s":
                guard severity == nil else {
                    throw CommandError(.unexpectedArgument, "--sev is given twice.", position: token.offset)
                }
                // As `/sev` reads it: also `0` alone, `[P0]`, and with a phone's full stop (`P1.`).
                guard let parsed = Severity(parsing: value.text) ?? TitleSeverity.written(value.text) else {
                    throw CommandError(.invalidArgument,
                                       "“\(value.text.clipped)” is not a severity; use P0, P1, P2 or P3.",
                                       position: value.offset)
                }
                severity = parsed
            default:  // --ic, --commander
                guard commander == nil else {
                    throw CommandError(.unexpectedArgument, "--ic is given twice.", position: token.offset)
                }
                guard let person = Mention.person(value.text) else {
                    throw CommandError(.invalidArgument,
                                       "“\(value.text.clipped)” is not a person; mention them, like --ic @alice.",
                                       position: value.offset)
                }
                commander = person
            }
        }
        // A label that says private (`[private] PII exposed`) makes it private, and leaves the title.
        if TitlePrivacy.take(from: &titleWords) { isPrivate = true }
        // A severity the title writes (`[P0] checkout down`) is the severity, and leaves the title.
        let writtenSeverities = try TitleSeverity.find(in: titleWords)
        if let written = writtenSeverities.first {
            if let other = writtenSeverities.dropFirst().first(where: { $0.severity != written.severity }) {
                throw CommandError(.invalidArgument, "“\(written.token.text.clipped)” and “\(other.token.text.clipped)” name two severities; give one.",
                                   position: other.token.offset)
            }
            if let severity, severity != written.severity {
                throw CommandError(.invalidArgument, "“\(written.token.text.clipped)” and --sev \(severity) name two severities; give one.",
                                   position: written.token.offset)
            }
            severity = written.severity
            for index in writtenSeverities.flatMap(\.words).sorted().reversed() { titleWords.remove(at: index) }
        }
        // A phrase quoted inside a title is part of it (`Checkout says "card declined"`: the
        // error as shown), and its quotes were lost; a title quoted whole is quoted to be one.
        let words = titleWords.count == 1 ? titleWords.map(\.text) : titleWords.map(\.inTitle)
        let title = FreeText.oneLine(FreeText.readable(words.joined(separator: " ")))
        guard !title.isEmpty else {
            throw CommandError(.missingArgument, "Give the incident a title.", position: arguments.endOffset)
        }
        guard title.unicodeScalars.count <= maxTitleLength else {
            throw CommandError(.tooLong, "The title is too long (over \(maxTitleLength) characters); keep it short.")
        }
        return Declaration(title: title, severity: severity, commander: commander, isPrivate: isPrivate)
    }
}
