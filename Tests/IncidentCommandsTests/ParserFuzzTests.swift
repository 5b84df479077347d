import IncidentCommands
import IncidentCore
import IncidentTesting
import Testing

/// Feeds the parser random and adversarial text: every input must give a command or an error,
/// never a trap, and the same input always the same answer. A trap kills the test process, so
/// reaching the expectations at all is part of the check.
@Suite struct ParserFuzzTests {
    static let pieces = [
        "/incident", "!incident", "/sev", "/ic", "/role", "/update", "/ack", "/note", "declare", "status", "list",
        "resolve", "help", "--sev", "--ic", "--sev=", "=", "P0", "p1", "SEV-2", "critical", "INC-", "INC-42",
        "#incident-20261122-x", "<@U0123|a>", "<@", ">", "|", "<#C1|incident-x>", "@alice", "@a:b.org", "@",
        "status:", "impact:", "next:", "eta:", "\"", "'", "“", "”", "‘", "’", "\\", " ", "  ", "\n", "\t", "\r\n",
        "\u{0}", "\u{7}", "\u{1B}[2J", "\u{200B}", "\u{2060}", "\u{FEFF}", "\u{202E}", "\u{202B}", "שלום", "مرحبا",
        "🔥", "👩‍💻", "🏳️‍🌈", "e\u{301}", "\u{301}", "ｐ１", "Ⅻ", "٣", "𝟙", "\u{D7FF}", "\u{10FFFF}", "@channel",
        "<!here>", "--", "---", "-", "comms", "scribe", "lead", "x",
    ]

    static let commandWords = [
        "/incident declare", "!incident declare", "/incident status", "/incident resolve", "/incident help", "/sev",
        "/ic", "/role", "/role comms", "/update", "/ack", "/note", "!note", "/incident list", "/incident close",
    ]

    @Test func randomMixturesOfCommandPiecesNeverTrap() {
        var random = SeededRandom(state: 20_261_122)
        var commands = 0
        var errors = 0
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...10, using: &random)
            let head = Int.random(in: 0..<10, using: &random) < 8
                ? Self.commandWords.randomElement(using: &random)! : Self.pieces.randomElement(using: &random)!
            let text = head + " " + (0..<count).map { _ in Self.pieces.randomElement(using: &random)! }
                .joined(separator: Bool.random(using: &random) ? " " : "")
            switch CommandParser.parse(text) {
            case .success(let parsed):
                commands += 1
                #expect(!parsed.summary.isEmpty)
            case .failure(let error):
                errors += 1
                #expect(!error.reason.description.isEmpty && !error.description.contains("\n"), "\(text.debugDescription)")
            }
            #expect(CommandParser.parse(text) == CommandParser.parse(text))
        }
        #expect(commands > 200 && errors > 200, "the mix should exercise both outcomes: \(commands) / \(errors)")
    }

    @Test func randomUnicodeNeverTraps() {
        var random = SeededRandom(state: 42)
        for _ in 0..<3_000 {
            var scalars = String.UnicodeScalarView()
            scalars.append(Bool.random(using: &random) ? "/" : "!")
            for _ in 0..<Int.random(in: 0...60, using: &random) {
                let value = UInt32.random(in: 0...0x10FFFF, using: &random)
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            let result = CommandParser.parse(String(scalars))
            if case .failure(let error) = result { #expect(!error.reason.description.isEmpty) }
        }
    }

    @Test(arguments: [
        "/note " + String(repeating: "a", count: 100_000),
        "/incident declare " + String(repeating: "\"", count: 100_000),
        String(repeating: "/", count: 100_000),
        "/update " + String(repeating: "status: ", count: 900),
        "/update " + String(repeating: "s", count: 7_990),
        "/incident declare " + String(repeating: "--sev ", count: 1_300),
        "/note " + String(repeating: "🔥", count: 7_000),
        "/note " + String(repeating: "\u{301}", count: 50_000),
        "/ic " + String(repeating: "<@", count: 3_000),
        "!" + String(repeating: " ", count: 100_000),
        "/incident declare " + String(repeating: "\u{202E}abc ", count: 1_500),
        "/note " + String(repeating: "'", count: 7_000),
    ])
    func hugeAndOddInputsAnswerQuickly(text: String) {
        let result = CommandParser.parse(text)
        switch result {
        case .success(let parsed): #expect(!parsed.summary.isEmpty)
        case .failure(let error): #expect(!error.reason.description.isEmpty)
        }
    }

    /// Words that each open a quote that never closes: every one used to search the rest of the
    /// line for its closing quote, so the work grew with the square of the length. Scaled up to
    /// the longest command taken, the parse must still finish (the time limit is a hang guard,
    /// not a benchmark: bench/parser.sh measures).
    @Test(.timeLimit(.minutes(1)), arguments: [80, 800, CommandParser.maxLength - 10])
    func unclosedQuotesTakeTimeLinearInTheLine(length: Int) {
        for opener in ["\"a ", "'a ", "“a ", "‘a ", "\"a “b 'c ‘d "] {
            let body = String(repeating: opener, count: max(1, length / opener.count)).trimmingCharacters(in: .whitespaces)
            switch CommandParser.parse("/note " + body) {
            case .success(let parsed):
                #expect(parsed.command == .note(body), "\(opener)")
            case .failure(let error):
                // A note has room for 4,000 characters; the whole line was still read.
                #expect(body.count > 4_000 && error.reason.description.hasPrefix("That text is too long"), "\(opener): \(error)")
            }
        }
    }

    /// Property: any title of ordinary words declares with exactly those words, single-spaced.
    @Test func titlesSurviveParsing() throws {
        var random = SeededRandom(state: 7)
        let words = ["db", "Überlastung", "API", "5xx", "can't", "🔥", "北京", "v2.3", "--", "ok!", "נפל"]
        for _ in 0..<1_000 {
            let title = (0..<Int.random(in: 1...8, using: &random)).map { _ in words.randomElement(using: &random)! }
            let spacing = String(repeating: " ", count: Int.random(in: 1...3, using: &random))
            let text = "/incident declare " + title.joined(separator: spacing) + " --sev P1"
            #expect(try CommandParser.parse(text).get().command
                    == .declare(Declaration(title: title.joined(separator: " "), severity: .p1)), "\(text)")
        }
    }
    /// Limits count code points, not Characters: a letter under thousands of combining marks is
    /// one Character, and such a title (or note) passed the limit of 150 (or 4,000) and buried
    /// every real incident in `/incident list`.
    @Test func aFloodOfCombiningMarksCountsAsWhatItIs() {
        let flood = "Z" + String(repeating: "\u{301}", count: 3_990)
        for (text, refusal) in [("/incident declare \(flood) --sev P0", "The title is too long"),
                                ("/note " + flood + flood, "That text is too long"),
                                ("/note " + String(repeating: flood, count: 3), "That message is too long")] {
            guard case .failure(let error) = CommandParser.parse(text) else {
                Issue.record("taken: \(refusal)")
                continue
            }
            #expect(error.reason.description.hasPrefix(refusal), "\(error)")
        }
        #expect((try? CommandParser.parse("/incident declare Überlastung der Datenbank 🔥 --sev P1").get()) != nil)
    }
}
